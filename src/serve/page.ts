// The page at `/`: try a served model by file upload or webcam. Plain HTML and JS (no framework,
// no build step), kept in a module so it ships with the compiled package; it calls the public API.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>visiontune serve</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 880px; padding: 0 1rem; }
  fieldset { border: 1px solid #ccc; margin-bottom: 1rem; }
  #view { position: relative; display: inline-block; }
  #view canvas { max-width: 100%; display: block; }
  video { max-width: 320px; display: none; }
  pre { background: #f5f5f5; padding: .5rem; overflow: auto; max-height: 20rem; }
  .bar { background: #4a7; height: .8rem; display: inline-block; vertical-align: middle; }
  .error { color: #b00; }
</style>
</head>
<body>
<h1>visiontune serve</h1>
<fieldset>
  <label>Model <select id="model"></select></label>
  <label>API key <input id="key" type="password" placeholder="only if the server needs one"></label>
  <p id="about"></p>
</fieldset>
<fieldset>
  <input id="file" type="file" accept="image/*">
  <button id="camera" type="button">Start webcam</button>
  <button id="snap" type="button" disabled>Predict on webcam frame</button>
  <video id="video" autoplay playsinline muted></video>
</fieldset>
<div id="view"><canvas id="canvas"></canvas></div>
<div id="result"></div>
<pre id="raw"></pre>
<script>
const $ = (id) => document.getElementById(id);
let models = [];
const headers = () => ($('key').value ? { Authorization: 'Bearer ' + $('key').value } : {});

async function api(path, init = {}) {
  const response = await fetch(path, { ...init, headers: { ...headers(), ...(init.headers || {}) } });
  const body = await response.json();
  if (!response.ok) throw new Error(response.status + ' ' + (body.error ? body.error.code + ': ' + body.error.message : ''));
  return body;
}

async function loadModels() {
  try {
    models = (await api('/v1/models')).models;
    $('model').innerHTML = models.map((m) => '<option>' + m.name + '</option>').join('');
    describe();
  } catch (err) { $('about').innerHTML = '<span class="error">' + err.message + '</span>'; }
}

function describe() {
  const m = models.find((x) => x.name === $('model').value);
  if (m) $('about').textContent = m.task + ', ' + (m.tasks ? 'tasks ' + m.tasks.map((t) => t.name).join(', ') : m.labels.length + ' labels') + ', ' + m.input.width + ' px input, engine ' + m.engine;
}

function colour(i) { return 'hsl(' + ((i * 137) % 360) + ', 70%, 50%)'; }

async function predict(blob) {
  const bitmap = await createImageBitmap(blob);
  const canvas = $('canvas');
  canvas.width = bitmap.width; canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(bitmap, 0, 0);
  $('result').textContent = 'predicting…';
  try {
    const name = encodeURIComponent($('model').value);
    const body = await api('/v1/models/' + name + '/predict?top=5', { method: 'POST', headers: { 'Content-Type': blob.type || 'application/octet-stream' }, body: blob });
    const r = body.results[0];
    $('raw').textContent = JSON.stringify(body, (k, v) => (k === 'data' ? v.slice(0, 40) + '…' : v), 2);
    if (r.tasks) {
      // A multi-task model: one line per task (the JSON below has everything).
      $('result').textContent = Object.entries(r.tasks).map(([name, t]) => name + ': ' + (t.present ? t.present.map((c) => c.label).join(', ') || '(none)' : t.classes ? t.classes[0].label + ' ' + (t.classes[0].probability * 100).toFixed(1) + '%' : t.boxes ? t.boxes.length + ' boxes' : Object.entries(t.classShares).map(([k, v]) => k + ' ' + (v * 100).toFixed(1) + '%').join(', '))).join(' · ');
    } else if (r.classes) {
      $('result').innerHTML = r.classes.map((c) => '<div><span class="bar" style="width:' + (c.probability * 300) + 'px"></span> ' + c.label + ' ' + (c.probability * 100).toFixed(1) + '%</div>').join('');
    } else if (r.boxes) {
      ctx.lineWidth = Math.max(2, bitmap.width / 300); ctx.font = Math.max(12, bitmap.width / 40) + 'px sans-serif';
      for (const b of r.boxes) {
        ctx.strokeStyle = ctx.fillStyle = colour(b.category);
        ctx.strokeRect(b.bbox[0], b.bbox[1], b.bbox[2], b.bbox[3]);
        ctx.fillText(b.label + ' ' + b.score.toFixed(2), b.bbox[0] + 2, b.bbox[1] + 14);
      }
      $('result').textContent = r.boxes.length + ' boxes';
    } else if (r.mask) {
      const mask = await createImageBitmap(await (await fetch('data:image/png;base64,' + r.mask.data)).blob());
      const layer = new OffscreenCanvas(mask.width, mask.height).getContext('2d');
      layer.drawImage(mask, 0, 0);
      const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const labels = layer.getImageData(0, 0, mask.width, mask.height).data;
      const probe = document.createElement('canvas').getContext('2d');
      for (let i = 0; i < img.data.length; i += 4) {
        const c = labels[i];
        if (c === 0) continue;
        probe.fillStyle = colour(c); probe.fillRect(0, 0, 1, 1);
        const [R, G, B] = probe.getImageData(0, 0, 1, 1).data;
        img.data[i] = (img.data[i] + R) / 2; img.data[i + 1] = (img.data[i + 1] + G) / 2; img.data[i + 2] = (img.data[i + 2] + B) / 2;
      }
      ctx.putImageData(img, 0, 0);
      $('result').innerHTML = Object.entries(r.classShares).map(([k, v]) => k + ': ' + (v * 100).toFixed(1) + '%').join('<br>');
    }
  } catch (err) { $('result').innerHTML = '<span class="error">' + err.message + '</span>'; }
}

$('model').onchange = describe;
$('key').onchange = loadModels;
$('file').onchange = () => { if ($('file').files[0]) predict($('file').files[0]); };
$('camera').onclick = async () => {
  try {
    $('video').srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
    $('video').style.display = 'block'; $('snap').disabled = false;
  } catch (err) { $('result').innerHTML = '<span class="error">webcam: ' + err.message + '</span>'; }
};
$('snap').onclick = () => {
  const v = $('video'); const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight; c.getContext('2d').drawImage(v, 0, 0);
  c.toBlob((blob) => predict(blob), 'image/jpeg', 0.92);
};
loadModels();
</script>
</body>
</html>
`;
