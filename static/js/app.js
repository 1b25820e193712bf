// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // A time of day as the page's language writes it, on the 24-hour clock (13:05): English as in
  // Britain, like the dates the server writes (core.dates).
  function clockTime(date, lang) {
    var locale = !lang || lang === "en" ? "en-GB" : lang;
    return date.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  }

  // After a form comes back with errors, move focus to the error summary so keyboard and
  // screen-reader users start from the list of problems.
  function focusErrorSummary() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  // Forms whose work takes seconds (data-busy="message"): say once that it is running, show the
  // seconds going by (to the eye only: a screen reader is not told every second), and ignore a
  // second click while the first request is under way.
  function showBusyStatus(form) {
    var timer = null;
    var status = null;
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "yes";
      status = document.createElement("p");
      status.className = "busy-status";
      var progress = document.createElement("progress");
      progress.setAttribute("aria-hidden", "true");
      var message = document.createElement("span");
      message.setAttribute("role", "status");
      message.textContent = form.dataset.busy;
      var elapsed = document.createElement("span");
      elapsed.setAttribute("aria-hidden", "true");
      status.appendChild(progress);
      status.appendChild(document.createTextNode(" "));
      status.appendChild(message);
      status.appendChild(document.createTextNode(" "));
      status.appendChild(elapsed);
      form.appendChild(status);
      var started = Date.now();
      var template = form.dataset.busyElapsed || "({seconds} s)";
      timer = window.setInterval(function () {
        var seconds = Math.round((Date.now() - started) / 1000);
        elapsed.textContent = template.replace("{seconds}", seconds);
      }, 1000);
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
      });
    });
    // Coming back to the page (the back button, or a stopped request): the form works again.
    window.addEventListener("pageshow", function () {
      delete form.dataset.submitted;
      if (timer) {
        window.clearInterval(timer);
      }
      if (status && status.parentNode) {
        status.parentNode.removeChild(status);
      }
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.removeAttribute("aria-disabled");
      });
    });
  }

  // Ranking (a fieldset with data-reorder): "move up" and "move down" buttons beside each choice,
  // and a workshop chosen that was already ranked elsewhere swaps the two choices instead of
  // repeating one. The swap waits until the choice is made (the select loses focus): with the
  // keyboard a closed select changes at every arrow key, and browsing must not rewrite the others.
  function enhanceRanking(fieldset) {
    var selects = Array.prototype.slice.call(fieldset.querySelectorAll("select"));
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    fieldset.appendChild(live);

    function announce(index) {
      live.textContent = fieldset.dataset.moved.replace("{rank}", index + 1);
    }

    function swap(from, to) {
      var value = selects[from].value;
      selects[from].value = selects[to].value;
      selects[to].value = value;
    }

    selects.forEach(function (select, index) {
      var previous = select.value;
      select.addEventListener("focus", function () { previous = select.value; });
      select.addEventListener("blur", function () {
        if (select.value && select.value !== previous) {
          selects.forEach(function (other) {
            if (other !== select && other.value === select.value) {
              other.value = previous;
            }
          });
        }
        previous = select.value;
      });

      var buttons = document.createElement("span");
      buttons.className = "rank-move";
      [["up", -1], ["down", 1]].forEach(function (pair) {
        var target = index + pair[1];
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link-button";
        button.dataset.direction = pair[0];
        button.textContent = fieldset.dataset[pair[0] === "up" ? "moveUp" : "moveDown"];
        var hidden = document.createElement("span");
        hidden.className = "visually-hidden";
        hidden.textContent = " (" + select.labels[0].textContent.trim() + ")";
        button.appendChild(hidden);
        if (target < 0 || target >= selects.length) {
          button.disabled = true;
        }
        button.addEventListener("click", function () {
          swap(index, target);
          announce(target);
          var moved = selects[target].parentNode.querySelector("button[data-direction=" + pair[0] + "]");
          (moved && !moved.disabled ? moved : selects[target]).focus();
        });
        buttons.appendChild(button);
        buttons.appendChild(document.createTextNode(" "));
      });
      select.insertAdjacentElement("afterend", buttons);
    });
  }

  // Desk and door: the counts (each [data-count=key] of the JSON) refresh every 30 seconds while the page stays open.
  function refreshCounts(section) {
    window.setInterval(function () {
      fetch(section.dataset.countsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (counts) {
          if (!counts) {
            return;
          }
          Object.keys(counts).forEach(function (key) {
            var element = section.querySelector("[data-count=" + key + "]");
            if (element && typeof counts[key] === "number") {
              element.textContent = counts[key];
            }
          });
        })
        .catch(function () { /* offline for a moment: the next round will do */ });
    }, 30000);
  }

  // Desk on a phone: scan a badge's QR code with the camera where the browser can (BarcodeDetector);
  // the code goes into the lookup input and the form is sent, as a USB scanner would.
  function cameraScanning(form) {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return;
    }
    var input = form.querySelector("input[name=q]");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-secondary";
    button.textContent = form.dataset.cameraLabel;
    var box = document.createElement("div");
    box.className = "desk-camera";
    form.appendChild(button);
    form.appendChild(box);
    var stream = null;
    var timer = null;

    function stop() {
      if (timer) {
        window.clearInterval(timer);
      }
      if (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
      }
      stream = null;
      box.textContent = "";
      button.textContent = form.dataset.cameraLabel;
    }

    button.addEventListener("click", function () {
      if (stream) {
        stop();
        return;
      }
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (media) {
        stream = media;
        button.textContent = form.dataset.cameraStop;
        var video = document.createElement("video");
        video.setAttribute("playsinline", "");
        video.muted = true;
        video.srcObject = media;
        box.appendChild(video);
        video.play();
        timer = window.setInterval(function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              input.value = codes[0].rawValue;
              stop();
              // requestSubmit: the form's submit button is named "submit", which hides form.submit().
              form.requestSubmit();
            }
          }).catch(function () { /* a frame that could not be read */ });
        }, 300);
      }).catch(stop);
    });
  }

  // The Assembly's live quorum (an element with data-status-url: the chair's pages, the projector):
  // every data-interval milliseconds, fetch the session's status.json and update in place the figures
  // ([data-figure]), the outcome ([data-quorum]), the bar ([data-quorum-bar]), the lists of members
  // ([data-list], each item written from data-item) and the time ([data-updated]). With
  // data-reload-on-failure the page reloads after failures in a row (a sign-out shows the sign-in page).
  function liveQuorum(root) {
    var failures = 0;
    var interval = parseInt(root.dataset.interval, 10) || 5000;

    function fill(list, members) {
      var items = members.map(function (member) {
        var item = document.createElement("li");
        var values = {
          name: member.name,
          by: member.by === "alternate" ? list.dataset.byAlternate : member.by ? list.dataset.byVoter : "",
          holder: member.holder || "",
          votes: member.votes
        };
        // One pass, so that a name holding "{holder}" stays as it is.
        item.textContent = list.dataset.item.replace(/\{(name|by|holder|votes)\}/g, function (whole, key) {
          return values[key];
        });
        return item;
      });
      if (!items.length) {
        var empty = document.createElement("li");
        empty.className = "empty";
        empty.textContent = list.dataset.empty;
        items.push(empty);
      }
      list.replaceChildren.apply(list, items);
    }

    function update(status) {
      root.querySelectorAll("[data-figure]").forEach(function (element) {
        var value = status[element.dataset.figure];
        if (value !== undefined && String(value) !== element.textContent) {
          element.textContent = value;
        }
      });
      root.querySelectorAll("[data-quorum]").forEach(function (element) {
        var text = status.quorum ? element.dataset.reached : element.dataset.notReached;
        if (element.textContent !== text) {
          element.textContent = text;
        }
        element.classList.toggle("quorum-yes", status.quorum);
        element.classList.toggle("quorum-no", !status.quorum);
      });
      root.querySelectorAll("[data-quorum-bar]").forEach(function (bar) {
        var total = status.votes_total || 1;
        var needed = Math.min(100, 100 * status.votes_needed / total).toFixed(2);
        bar.querySelector(".quorum-bar-present").setAttribute("width", (100 * status.votes_present / total).toFixed(2));
        var mark = bar.querySelector(".quorum-bar-needed");
        mark.setAttribute("x1", needed);
        mark.setAttribute("x2", needed);
      });
      root.querySelectorAll("[data-list]").forEach(function (list) {
        if (status[list.dataset.list]) {
          fill(list, status[list.dataset.list]);
        }
      });
      root.querySelectorAll("[data-updated]").forEach(function (element) {
        element.textContent = clockTime(new Date(), document.documentElement.lang);
      });
    }

    function poll() {
      fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("json") < 0) {
            throw new Error("no figures");
          }
          return response.json();
        })
        .then(function (status) { failures = 0; update(status); })
        .catch(function () {
          failures += 1;
          if (root.hasAttribute("data-reload-on-failure") && failures >= 5) {
            window.location.reload();
          }
        })
        .then(function () { window.setTimeout(poll, interval); });
    }

    window.setTimeout(poll, interval);
  }

  // A field required for one category only (data-required-for="delegate"): the "*" follows the
  // category chosen, in place of the words "(required for delegates)" shown without JavaScript.
  function requiredForCategory(field) {
    var category = document.getElementById(field.dataset.category);
    var note = field.querySelector(".required-when");
    var star = field.querySelector(".required");
    var control = field.querySelector("select, input");
    if (!category || !note || !star || !control) {
      return;
    }
    function update() {
      var required = category.value === field.dataset.requiredFor;
      note.hidden = true;
      star.hidden = !required;
      control.setAttribute("aria-required", required ? "true" : "false");
    }
    category.addEventListener("change", update);
    update();
  }


  // A back-office table wider than a phone scrolls inside its own box, never the whole page. The
  // templates give most tables that box; this gives it to the others: focusable, so the keyboard can
  // scroll it, and named after the table's caption or the heading above it.
  function scrollWideTables() {
    document.querySelectorAll(".backoffice main table").forEach(function (table) {
      var box = table.parentElement;
      if (box.classList.contains("table-scroll")) {
        if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); }
        if (!box.hasAttribute("role")) { box.setAttribute("role", "region"); }
        if (box.hasAttribute("aria-label") || box.hasAttribute("aria-labelledby")) { return; }
      } else {
        box = document.createElement("div");
        box.className = "table-scroll";
        box.setAttribute("role", "region");
        box.setAttribute("tabindex", "0");
        table.parentNode.insertBefore(box, table);
        box.appendChild(table);
      }
      var caption = table.querySelector("caption");
      var name = caption ? caption.textContent : "";
      if (!name) {
        var section = box.closest("section, main");
        var heading = section && section.querySelector("h1, h2, h3");
        name = heading ? heading.textContent : document.title;
      }
      box.setAttribute("aria-label", name.trim());
    });
  }

  // A header checkbox (shown only with JavaScript) ticks or clears every box of its column on the page.
  function selectAllOnPage(master) {
    var boxes = master.form ? master.form.querySelectorAll("input[type=checkbox][name='" + master.dataset.selectAll + "']")
      : document.querySelectorAll("input[type=checkbox][name='" + master.dataset.selectAll + "']");
    function sync() {
      var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
      master.checked = ticked > 0 && ticked === boxes.length;
      master.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    master.hidden = false;
    master.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = master.checked; });
    });
    boxes.forEach(function (box) { box.addEventListener("change", sync); });
    sync();
  }

  // A wide table scrolls inside its box (.table-scroll) on a phone: a keyboard user must be able to
  // reach and scroll it, so a box that does scroll becomes a focusable, named region (WCAG 2.1.1;
  // axe-core's scrollable-region-focusable). A box that fits adds no tab stop. Chromium also makes
  // such boxes focusable by itself, so the tables stay reachable without this file.
  function focusableScrollBoxes() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "yes";
        if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
          var caption = box.querySelector("caption");
          var section = box.closest("[aria-labelledby]");
          var labelledBy = section && document.getElementById(section.getAttribute("aria-labelledby"));
          var heading = caption || labelledBy;
          if (heading && heading.textContent.trim()) {
            box.setAttribute("role", "region");
            box.setAttribute("aria-label", heading.textContent.trim());
          }
        }
      } else if (!scrolls && box.dataset.scrollFocus) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-required-for]").forEach(requiredForCategory);
    scrollWideTables();
    document.querySelectorAll("input[data-select-all]").forEach(selectAllOnPage);
    focusableScrollBoxes();
    window.addEventListener("resize", focusableScrollBoxes);
    document.querySelectorAll("[data-status-url]").forEach(liveQuorum);
    focusErrorSummary();
    document.querySelectorAll("form[data-busy]").forEach(showBusyStatus);
    document.querySelectorAll("fieldset[data-reorder]").forEach(enhanceRanking);
    document.querySelectorAll("[data-counts-url]").forEach(refreshCounts);
    document.querySelectorAll("form.desk-lookup").forEach(cameraScanning);
  });
})();
