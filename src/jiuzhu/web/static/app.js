// jiuzhu 经办系统: preferences (大字模式, 高对比度), dialogs, confirmations. No inline scripts (CSP).
(function () {
  "use strict";
  function prefs() {
    var m = document.cookie.match(/(?:^|; )jz_prefs=([^;]*)/);
    return m ? m[1].split(".").filter(Boolean) : [];
  }
  function save(list) {
    document.cookie = "jz_prefs=" + list.join(".") + "; path=/; max-age=31536000; SameSite=Strict";
  }
  function sync() {
    var on = prefs();
    document.querySelectorAll("[data-pref]").forEach(function (b) {
      var k = b.getAttribute("data-pref");
      b.setAttribute("aria-pressed", on.indexOf(k) >= 0 ? "true" : "false");
      document.documentElement.classList.toggle(k, on.indexOf(k) >= 0);
    });
  }
  document.addEventListener("click", function (e) {
    var t = e.target.closest("[data-pref]");
    if (t) {
      var k = t.getAttribute("data-pref"), on = prefs(), i = on.indexOf(k);
      if (i >= 0) { on.splice(i, 1); } else { on.push(k); }
      save(on); sync(); return;
    }
    var o = e.target.closest("[data-open-dialog]");
    if (o) {
      var d = document.getElementById(o.getAttribute("data-open-dialog"));
      if (d && d.showModal) { d.showModal(); var f = d.querySelector("input,select,textarea,button"); if (f) { f.focus(); } }
      return;
    }
    var c = e.target.closest("[data-close-dialog]");
    if (c) { var dd = c.closest("dialog"); if (dd) { dd.close(); } }
  });
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    sync();
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      if (!window.echarts) { return; }
      var opt = JSON.parse(el.getAttribute("data-chart"));
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(opt);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  });
})();
