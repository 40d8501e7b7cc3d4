// Player name autocomplete: fills the input's <datalist> from GET /players/search.
// A native datalist keeps keyboard navigation and screen-reader support for free.
(function () {
  "use strict";
  var DELAY_MS = 150;

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = null;
    var latest = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var query = input.value.trim();
      if (query.length < 2) return;
      timer = setTimeout(function () {
        var ticket = ++latest;
        fetch("/players/search?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { players: [] }; })
          .then(function (body) {
            if (ticket !== latest) return;
            list.replaceChildren();
            (body.players || []).forEach(function (player) {
              var option = document.createElement("option");
              option.value = player.name;
              option.label = player.team ? player.name + " (" + player.team + ")" : player.name;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional: typing the full name still works */ });
      }, DELAY_MS);
    });
  }

  document.querySelectorAll("input[data-player-search]").forEach(attach);
})();
