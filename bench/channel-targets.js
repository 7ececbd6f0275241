'use strict';
// The targets channel.bench.js is held to, from rows of the same run (see
// bench/support/targets.js, which lists these with the others).

function channelRatios(rows) {
  const time = (bench, implementation) =>
    rows.find((r) => r.bench === bench && r.implementation === implementation && typeof r.median_us === 'number')?.median_us;
  const gbs = (bench, implementation) => rows.find((r) => r.bench === bench && r.implementation === implementation)?.median_gbs;
  const div = (a, b) => (a === undefined || b === undefined ? undefined : a / b);
  const out = [];
  for (const size of ['64 B', '1 KiB', '64 KiB']) {
    const b = `channel messages one way, ${size}`;
    out.push({ name: `${b}: Channel msg/s ÷ Unix socket 256 per write`, value: div(time(b, 'Unix socket, 256 per write'), time(b, 'rsmapi Channel')), limit: size === '64 B' ? 2 : undefined, kind: 'min', how: 'rate ratio' });
    out.push({ name: `${b}: Channel msg/s ÷ C ring (floor)`, value: div(time(b, 'C ring (floor)'), time(b, 'rsmapi Channel')), limit: undefined, kind: 'min', how: 'rate ratio (reference)' });
    out.push({ name: `${b}: Channel msg/s ÷ Unix socket one write each`, value: div(time(b, 'Unix socket, one write each'), time(b, 'rsmapi Channel')), limit: undefined, kind: 'min', how: 'rate ratio (reference)' });
  }
  const bw = 'channel bandwidth, 1 MiB messages';
  out.push({ name: `${bw}: Channel ÷ memcpy`, value: div(gbs(bw, 'rsmapi Channel'), gbs(bw, 'memcpy (TypedArray.set)')), limit: 0.7, kind: 'min', how: 'bandwidth ratio' });
  out.push({ name: `${bw}: Channel ÷ C ring (floor)`, value: div(gbs(bw, 'rsmapi Channel'), gbs(bw, 'C ring (floor)')), limit: undefined, kind: 'min', how: 'bandwidth ratio (reference)' });
  const b64 = 'channel messages one way, 64 B';
  out.push({ name: `${b64}: Channel receiveBatch msg/s ÷ Unix socket 256 per write`, value: div(time(b64, 'Unix socket, 256 per write'), time(b64, 'rsmapi Channel, receiveBatch')), limit: undefined, kind: 'min', how: 'rate ratio (reference)' });
  const lat = 'channel one-way latency (ping-pong / 2)';
  out.push({ name: `${lat}: spinning, µs`, value: time(lat, 'rsmapi Channel, spinning'), limit: 1, kind: 'max', how: 'µs' });
  const sleeping = time(lat, 'rsmapi Channel, sleeping');
  const signal = time('signal one-way latency', 'Node ↔ Node (facade, uv_poll)');
  out.push({ name: `${lat}: sleeping − signal one-way latency, µs`, value: sleeping === undefined || signal === undefined ? undefined : sleeping - signal, limit: 2, kind: 'max', how: 'µs' });
  out.push({ name: `${lat}: Unix socket ÷ Channel sleeping`, value: div(time(lat, 'Unix socket'), sleeping), limit: undefined, kind: 'min', how: 'time ratio (reference)' });
  return out;
}

module.exports = { channelRatios };
