import { CrashLoopGuard } from './supervisor';

describe(CrashLoopGuard.name, () => {
  it('tolerates a worker dying now and then, and gives up when workers keep dying', () => {
    const guard = new CrashLoopGuard(3, 60_000);
    expect(guard.exited(0)).toBe(false);
    expect(guard.exited(30_000)).toBe(false);
    // the first exit is out of the window by now
    expect(guard.exited(61_000)).toBe(false);
    expect(guard.exited(62_000)).toBe(true);
  });
});
