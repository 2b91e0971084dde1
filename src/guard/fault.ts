// Fault injection for crash-safety tests: every step of a multi-file write calls writeStep(),
// and VISIONTUNE_FAULT=kill@N makes the process SIGKILL itself at the N-th step (enospc@N throws
// a disk-full error there instead; stop@N SIGSTOPs it, so a test can act while it holds its
// output, then SIGCONT it). Unset, a step is a counter increment. Tests run a real
// command once per N and check that what is on disk is the old or the new result, whole.

let steps = 0;

function plan(): { action: string; at: number } | undefined {
  const match = /^(kill|enospc|stop)@(\d+)$/.exec(process.env.VISIONTUNE_FAULT ?? '');
  return match ? { action: match[1]!, at: Number(match[2]) } : undefined;
}

/** Marks one step of a write (`label` says which, for the message of an injected error). */
export function writeStep(label: string): void {
  steps++;
  const fault = plan();
  if (!fault || fault.at !== steps) return;
  if (fault.action === 'kill') process.kill(process.pid, 'SIGKILL');
  if (fault.action === 'stop') {
    process.kill(process.pid, 'SIGSTOP');
    return;
  }
  throw Object.assign(new Error(`ENOSPC: no space left on device, ${label}`), {
    code: 'ENOSPC',
    syscall: 'write',
  });
}

/** How many write steps this process has taken (for tests that enumerate kill points). */
export function writeSteps(): number {
  return steps;
}
