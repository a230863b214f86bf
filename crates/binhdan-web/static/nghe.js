// "Nghe" (listen): reads the lesson aloud with the phone's own Vietnamese voice, when it has
// one. Progressive enhancement: the button stays hidden unless speech synthesis and a
// Vietnamese voice exist; the lesson reads the same without it.
(function () {
  "use strict";
  var button = document.getElementById("nghe");
  var text = document.getElementById("lesson-text");
  if (!button || !text || !("speechSynthesis" in window)) return;
  var synth = window.speechSynthesis;
  var labelListen = button.getAttribute("data-listen");
  var labelStop = button.getAttribute("data-stop");

  function vietnameseVoice() {
    var voices = synth.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang && voices[i].lang.toLowerCase().indexOf("vi") === 0) return voices[i];
    }
    return null;
  }

  function offer() {
    if (vietnameseVoice()) button.hidden = false;
  }

  button.addEventListener("click", function () {
    if (synth.speaking) {
      synth.cancel();
      button.textContent = labelListen;
      button.setAttribute("aria-pressed", "false");
      return;
    }
    var voice = vietnameseVoice();
    if (!voice) return;
    // One utterance per paragraph: long utterances stop early on some phones.
    var parts = text.querySelectorAll("h2, h3, p, li, blockquote");
    for (var i = 0; i < parts.length; i++) {
      var u = new SpeechSynthesisUtterance(parts[i].textContent);
      u.voice = voice;
      u.lang = voice.lang;
      u.rate = 0.9;
      if (i === parts.length - 1) {
        u.onend = function () {
          button.textContent = labelListen;
          button.setAttribute("aria-pressed", "false");
        };
      }
      synth.speak(u);
    }
    button.textContent = labelStop;
    button.setAttribute("aria-pressed", "true");
  });

  offer();
  if (typeof synth.addEventListener === "function") synth.addEventListener("voiceschanged", offer);
})();
