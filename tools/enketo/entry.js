// The form engine as the offline page uses it (static/field/offline.js): window.BahaliEnketo.
import { Form } from "enketo-core";

window.BahaliEnketo = { Form };
