// enketo-core's settings for Bahali: no map tiles (nothing leaves the origin), answers of
// questions that do not apply are left out (as ODK Collect does), one long page.
export default {
  experimentalOptimizations: { computeAsync: false },
  excludeNonRelevant: true,
  maps: [],
  googleApiKey: "",
  repeatOrdinals: false,
  validateContinuously: false,
  validatePage: true,
  swipePage: false,
  textMaxChars: 2000,
};
