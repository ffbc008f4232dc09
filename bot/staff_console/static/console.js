// The queue asks the server for its rows again every few seconds, so a new urgent case appears without
// reloading; a session that ended sends the page to the login. No library, no build step.
(function () {
  "use strict";
  var queue = document.getElementById("queue");
  if (!queue) { return; }
  var every = parseInt(queue.getAttribute("data-every"), 10) * 1000;
  var url = queue.getAttribute("data-rows");
  function refresh() {
    if (document.hidden) { return; }
    fetch(url, {headers: {"X-Requested-With": "fetch"}, credentials: "same-origin"}).then(function (answer) {
      if (answer.status === 401) {
        window.location.assign(answer.headers.get("X-Login") || window.location.href);
        return null;
      }
      return answer.ok ? answer.text() : null;
    }).then(function (html) {
      if (html !== null && html !== undefined) { queue.innerHTML = html; }
    }).catch(function () { /* the next round tries again */ });
  }
  window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", refresh);
})();
