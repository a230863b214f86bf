// Usage: node lib/wait-ready.mjs <origin> <server-pid> <timeout-seconds>
// Polls GET <origin>/readyz until it answers 200. Exits 1 if the server
// process dies or the time runs out.
const [origin, pidArg, timeoutArg] = process.argv.slice(2);
const pid = Number(pidArg);
const deadline = Date.now() + Number(timeoutArg || 180) * 1000;

function alive() {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let last = 'no answer yet';
while (Date.now() < deadline) {
  if (!alive()) {
    console.error(`e2e: the server (pid ${pid}) exited before it was ready (${last})`);
    process.exit(1);
  }
  try {
    const res = await fetch(`${origin}/readyz`, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    if (res.status === 200) process.exit(0);
    last = `/readyz answered ${res.status}`;
  } catch (err) {
    last = err.cause?.code || err.message;
  }
  await new Promise((r) => setTimeout(r, 250));
}
console.error(`e2e: the server was not ready in ${timeoutArg}s (${last})`);
process.exit(1);
