// How long the page's own work took, kept for diagnostics and benchmarks/bench_dashboard.py: the last
// 2,000 durations (ms) of each kind in `window.mt5botTimings`. Bounded, unlike User Timing entries, so a
// tab left open for weeks on ticks does not grow.
const KEEP = 2000;
const timings = (window.mt5botTimings = {});

/** Record the time since `started` (a performance.now()) under `name`; returns it in ms. */
export function lap(name, started) {
  const ms = performance.now() - started;
  const list = (timings[name] ||= []);
  list.push(ms);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
  return ms;
}
