// The team form: choosing a member preselects the case role their role allows (carried on
// each option as data-case-role by the server), so a psychologist is not offered as lead
// case worker. The server picks the same role when none is sent; this only shows it.
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!select.matches || !select.matches("select[data-case-role-for]")) return;
  var option = select.options[select.selectedIndex];
  var role = document.getElementById(select.dataset.caseRoleFor);
  if (role && option && option.dataset.caseRole !== undefined) {
    role.value = option.dataset.caseRole;
  }
});
