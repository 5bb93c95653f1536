import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresUnreachableError, folderBlockingPostgresUser, startEmbeddedPostgres } from './embedded-postgres';

describe(folderBlockingPostgresUser.name, () => {
  let base: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'kipam-reach-'));
    chmodSync(base, 0o755);
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it.each([
    [0o700, true],
    [0o750, true],
    [0o711, false],
    [0o755, false],
  ])('a parent of mode %o blocks: %s', (mode, blocks) => {
    const parent = join(base, 'home');
    mkdirSync(parent);
    chmodSync(parent, mode);
    const found = folderBlockingPostgresUser(join(parent, 'kipam', 'data'));
    expect(found?.path).toBe(blocks ? parent : undefined);
  });

  it('ignores the data folder itself (made 0755) and folders not created yet', () => {
    const data = join(base, 'kipam');
    mkdirSync(data);
    chmodSync(data, 0o700);
    expect(folderBlockingPostgresUser(data)).toBeUndefined();
    expect(folderBlockingPostgresUser(join(base, 'not', 'yet'))).toBeUndefined();
  });
});

describe(startEmbeddedPostgres.name, () => {
  it('as root, refuses a data folder the postgres user cannot reach, before creating anything, saying what to do', async () => {
    if (process.getuid?.() !== 0) return; // only root hands the server to another user
    const base = mkdtempSync(join(tmpdir(), 'kipam-reach-'));
    try {
      chmodSync(base, 0o700); // like /root
      const dataDir = join(base, 'kipam');
      const start = startEmbeddedPostgres(dataDir);
      await expect(start).rejects.toBeInstanceOf(EmbeddedPostgresUnreachableError);
      await expect(start).rejects.toThrow(`cannot enter ${base} (mode 0700)`);
      await expect(start).rejects.toThrow(/Set KIPAM_DATA_DIR to a folder that user can reach .*chmod o\+x .*DATABASE_URL/);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
