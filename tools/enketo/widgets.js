// The widgets Bahali's forms need: none beyond the browser's own controls (native date
// inputs, radios, checkboxes), so no map, drawing or file widget (and their libraries) is
// bundled. A form that needs one still works with the plain control.
export default [];
