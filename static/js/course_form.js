// Course form: when the course type changes, fill in that type's target group (women only, age range, parents,
// literacy learners). The fields stay editable; without JavaScript the server applies the same defaults.
(function () {
  "use strict";
  var data = document.getElementById("target-group-defaults");
  var type = document.getElementById("id_course_type");
  if (!data || !type) {
    return;
  }
  var defaults = JSON.parse(data.textContent);
  type.addEventListener("change", function () {
    var values = defaults[type.value];
    if (!values) {
      return;
    }
    Object.keys(values).forEach(function (name) {
      var field = document.getElementById("id_" + name);
      if (!field) {
        return;
      }
      if (field.type === "checkbox") {
        field.checked = Boolean(values[name]);
      } else {
        field.value = values[name] === null ? "" : values[name];
      }
    });
  });
})();
