// The class page's card scanner: a team member marks a learner present by the QR code printed
// on their citizen identity card, read by the phone's rear camera or, as the fallback, from a
// photo. The decoder (jsqr.js, shipped with the server) is loaded only when first needed. A
// decoded card text fills the attendance form's card field and submits the form, exactly as
// if it had been typed; the server parses it strictly. Without this script (or without a
// camera) the form works as it is, and the page says why scanning is not offered.
(function () {
  'use strict';
  var root = document.getElementById('scan');
  var form = root && root.closest('form');
  var card = document.getElementById('card');
  if (!root || !form || !card || !window.Promise) return;
  var status = document.getElementById('scan-status');
  var actions = document.getElementById('scan-actions');
  var cameraButton = document.getElementById('scan-camera');
  var photo = document.getElementById('scan-photo');
  var view = document.getElementById('scan-view');
  var video = document.getElementById('scan-video');
  var stopButton = document.getElementById('scan-stop');
  var markButton = form.querySelector('button[type=submit]:not([name])');
  // The server's photo form (for a browser without this script): hidden while the phone
  // decodes photos itself, shown again when that fails (no code found, a picture the phone
  // cannot open, the decoder not loaded), where the server may still read it.
  var serverPhoto = document.getElementById('photo-form');
  var SERVER_MAY_READ = { 'not-found': 1, 'bad-image': 1, 'decoder-failed': 1 };
  // Frames and photos are decoded at most this many pixels on their longer side: enough for
  // the card's QR code (about 3 pixels a module when the card fills the picture) and quick on
  // a cheap phone. A photo not read at the first size is tried once more, larger.
  var FRAME_SIDE = 800;
  var PHOTO_SIDES = [1024, 2048];
  var canvas = document.createElement('canvas');
  var ctx = canvas.getContext('2d');
  var decoder = null;
  var stream = null;
  var timer = 0;
  var busy = false;
  // Offline, a marking is queued on the phone and the form is reset for the next person
  // (ngoai-tuyen.js): the scanner is ready again.
  form.addEventListener('reset', function () { busy = false; });

  // The message above the buttons, scrolled into sight: on a small phone the buttons may be
  // at the bottom of the screen and a message under them would go unseen.
  function say(key, bad, quiet) {
    status.textContent = key ? root.getAttribute('data-' + key) : '';
    status.className = bad ? 'error' : 'hint';
    if (serverPhoto && SERVER_MAY_READ[key]) serverPhoto.hidden = false;
    if (key && !quiet && status.scrollIntoView) status.scrollIntoView({ block: 'nearest' });
  }

  // A card's QR code: seven fields separated by "|", the first the 12-digit number. The
  // server checks the rest (and refuses with the reason); this only keeps other QR codes (a
  // bank's, a poster's) from being sent at all.
  function looksLikeCard(text) {
    var fields = text.split('|');
    return fields.length === 7 && /^\d{12}$/.test(fields[0]);
  }

  function loadDecoder() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    if (!decoder) {
      decoder = new Promise(function (resolve, reject) {
        var s = document.createElement('script');
        s.src = root.getAttribute('data-decoder');
        s.onload = function () {
          if (typeof window.jsQR === 'function') resolve(window.jsQR);
          else reject(new Error('decoder'));
        };
        s.onerror = function () {
          decoder = null;
          reject(new Error('decoder'));
        };
        document.head.appendChild(s);
      });
    }
    return decoder;
  }

  // Draws `source` (w × h) scaled so that its longer side is at most `side`, and decodes it:
  // the QR code's text, '' for a code whose bytes are not text, or null when none is found.
  function decode(jsQR, source, w, h, side, invert) {
    var scale = Math.min(1, side / Math.max(w, h));
    var cw = Math.max(1, Math.round(w * scale));
    var ch = Math.max(1, Math.round(h * scale));
    canvas.width = cw;
    canvas.height = ch;
    ctx.drawImage(source, 0, 0, cw, ch);
    var image = ctx.getImageData(0, 0, cw, ch);
    var code = jsQR(image.data, cw, ch, { inversionAttempts: invert ? 'attemptBoth' : 'dontInvert' });
    return code ? code.data : null;
  }

  // A card read: into the form, and the form sent. Anything else: said, and scanning goes on.
  function found(text) {
    if (busy) return true;
    if (!looksLikeCard(text)) {
      say('not-card', true);
      return false;
    }
    busy = true;
    stopCamera();
    card.value = text;
    remember(text);
    say('found');
    if (form.requestSubmit) form.requestSubmit(markButton || undefined);
    else if (markButton) markButton.click();
    else form.submit();
    return true;
  }

  function stopCamera() {
    if (timer) clearTimeout(timer);
    timer = 0;
    if (stream) {
      stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
    }
    video.srcObject = null;
    view.hidden = true;
    actions.hidden = false;
  }

  function scanFrames(jsQR) {
    timer = 0;
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      var text = decode(jsQR, video, video.videoWidth, video.videoHeight, FRAME_SIDE, false);
      if (text !== null && found(text)) return;
    }
    timer = setTimeout(function () { scanFrames(jsQR); }, 200);
  }

  function cameraRefused(e) {
    var name = e && e.name;
    if (name === 'NotAllowedError' || name === 'SecurityError') say('refused', true);
    else say('camera-failed', true);
  }

  function startCamera() {
    say('loading');
    loadDecoder().then(function (jsQR) {
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false })
        .then(function (s) {
          stream = s;
          video.srcObject = s;
          actions.hidden = true;
          view.hidden = false;
          say('help');
          if (view.scrollIntoView) view.scrollIntoView({ block: 'nearest' });
          return video.play().then(function () { scanFrames(jsQR); });
        }, cameraRefused);
    }, function () { say('decoder-failed', true); }).catch(function (e) {
      stopCamera();
      cameraRefused(e);
    });
  }

  // The photo as something a canvas can draw: an ImageBitmap, else an <img> read from a data:
  // URL (the page's policy allows data: images, not blob: ones).
  function readImage(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file).then(function (b) {
        return { source: b, w: b.width, h: b.height, done: function () { if (b.close) b.close(); } };
      });
    }
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = reject;
      reader.onload = function () {
        var img = new Image();
        img.onload = function () {
          resolve({ source: img, w: img.naturalWidth, h: img.naturalHeight, done: function () {} });
        };
        img.onerror = reject;
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  function readPhoto() {
    var file = photo.files && photo.files[0];
    if (!file || busy) return;
    stopCamera();
    say('reading');
    loadDecoder().then(function (jsQR) {
      return readImage(file).then(function (image) {
        var text = null;
        for (var i = 0; i < PHOTO_SIDES.length && text === null; i++) {
          text = decode(jsQR, image.source, image.w, image.h, PHOTO_SIDES[i], true);
          if (Math.max(image.w, image.h) <= PHOTO_SIDES[i]) break;
        }
        image.done();
        photo.value = '';
        if (text === null) say('not-found', true);
        else found(text);
      }, function () {
        photo.value = '';
        say('bad-image', true);
      });
    }, function () { say('decoder-failed', true); }).catch(function () {
      // A picture too large for the phone's memory, or one the canvas cannot read.
      photo.value = '';
      say('bad-image', true);
    });
  }

  // The card just sent, kept for the next page only: when the server refused it (someone not
  // yet on the village's roster), the field is filled again so that "register from the card"
  // is one more tap, not another scan. Read once and removed at once; never kept otherwise.
  var KEPT = 'binhdan-scanned-card';
  function remember(text) {
    try { sessionStorage.setItem(KEPT, text); } catch (e) { /* storage off: rescan instead */ }
  }
  var refusal = form.querySelector('[role=alert]');
  try {
    var kept = sessionStorage.getItem(KEPT);
    sessionStorage.removeItem(KEPT);
    if (kept && refusal && !card.value) {
      card.value = kept;
      // The second tap right under the reason, not at the bottom of the form.
      var register = form.querySelector('button[name=register]');
      if (register && register.parentNode) refusal.parentNode.insertBefore(register.parentNode, refusal.nextSibling);
    }
  } catch (e) { /* storage off */ }

  actions.hidden = false;
  if (serverPhoto && !refusal) serverPhoto.hidden = true;
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    say('');
    cameraButton.addEventListener('click', startCamera);
  } else {
    // An old browser, or a page not on https: the photo still works.
    cameraButton.hidden = true;
    say('no-camera', true, true);
  }
  stopButton.addEventListener('click', function () {
    stopCamera();
    say('');
  });
  photo.addEventListener('change', readPhoto);
  window.addEventListener('pagehide', stopCamera);
  // After a marking the page opens at the top; the next learner's scan is where the thumb is:
  // the refusal's reason in sight, else the buttons (the "marked" notice stays above them).
  if (refusal && refusal.scrollIntoView) refusal.scrollIntoView({ block: 'start' });
  else if (/[?&]co-mat=/.test(location.search) && actions.scrollIntoView) actions.scrollIntoView({ block: 'nearest' });
}());
