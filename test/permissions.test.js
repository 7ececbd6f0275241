'use strict';
// The driver's permission model (docs/semantics.md §5.1), with importers under other
// users and groups: an exporter process runs as one unprivileged user, the
// importers as its owner, a member of its group, some other user, and root.
// Each importer connects with READ, WRITE and RDWR to segments published
// under various access lists, and maps with the permission it connected with.
const assert = require('node:assert/strict');
const rsm = require('..');
const { Peer } = require('./support/peer-client');
const { makeClusterDir, sharedClusterEnv, removeClusterDir } = require('./support/cluster-dir');

const EXPORTER = { uid: 1001, gid: 1001 };
const ROLES = {
  owner: { RSM_TEST_UID: '1001', RSM_TEST_GID: '1001', RSM_TEST_GROUPS: '' },
  group: { RSM_TEST_UID: '1002', RSM_TEST_GID: '1002', RSM_TEST_GROUPS: '1001' },
  other: { RSM_TEST_UID: '1003', RSM_TEST_GID: '1003', RSM_TEST_GROUPS: '' },
  root: {},
};
const { READ, WRITE, RDWR } = rsm.Permission;
const EXPORT_NODE = 2;
const IMPORT_NODE = 3;

// Access lists under test; `null` is no list (every node, mode 0777 & ~umask
// of the exporter at create time; its umask is 022 here, so 0755 -> 0644).
const LISTS = {
  '0624': [{ node: IMPORT_NODE, permission: 0o624 }],
  '0644': [{ node: IMPORT_NODE, permission: 0o644 }],
  '0066': [{ node: IMPORT_NODE, permission: 0o066 }],
  '0044': [{ node: IMPORT_NODE, permission: 0o044 }],
  '0000': [{ node: IMPORT_NODE, permission: 0o000 }],
  'none (umask 022)': null,
  'node 3 missing': [{ node: 4, permission: 0o666 }, { node: 5, permission: 0o666 }],
};
const GRANTED = { '0624': 0o624, '0644': 0o644, '0066': 0o066, '0044': 0o044, '0000': 0, 'none (umask 022)': 0o644 };

/**
 * The spec's rule, written out independently of the simulator: the granted
 * node mode G, the requested R turned into A, E = A & G, the role's shift,
 * and root's privilege. Returns [connect result, map result].
 */
function expected(list, role, r) {
  if (!(list in GRANTED)) return ['RSMERR_SEG_NOT_PUBLISHED_TO_NODE', null];
  const g = GRANTED[list] & 0o666;
  const a = (r & READ ? 0o444 : 0) | (r & WRITE ? 0o222 : 0);
  const e = a & g;
  const shift = role === 'owner' ? 0 : role === 'group' ? 3 : role === 'other' ? 6 : null;
  const privileged = role === 'root';
  const missing = shift === null ? r & ~e : r & ~(e << shift);
  if (missing !== 0 && !privileged) return ['RSMERR_PERM_DENIED', null];
  // The stored mode E governs mapping: owner bits only, whoever maps.
  const mapOk = (!(r & READ) || e & 0o400) && (!(r & WRITE) || e & 0o200);
  return ['ok', mapOk ? 'ok' : 'RSMERR_BAD_PERMS'];
}

describe('permissions across users and groups (docs/semantics.md §5.1)', function () {
  this.timeout(60000);
  let exporter;
  let ids;
  let cluster;
  const importers = {};

  before(async function () {
    if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
      this.skip('needs root: importers run as other users and groups (process.setuid)');
    }
    // Several uids in one cluster: shared on purpose.
    cluster = makeClusterDir('rsmapi-perm-', { shared: true });
    exporter = await Peer.start({
      node: EXPORT_NODE,
      env: { ...sharedClusterEnv(cluster), RSM_TEST_UID: String(EXPORTER.uid), RSM_TEST_GID: String(EXPORTER.gid), RSM_TEST_GROUPS: '' },
    });
    await exporter.call('umask', { mask: 0o022 });
    await exporter.call('getController', { name: 'sci0' });
    const names = Object.keys(LISTS);
    const got = await exporter.call('publishMany', { size: rsm.pageSize, lists: names.map((n) => LISTS[n]) });
    ids = Object.fromEntries(names.map((n, i) => [n, got[i]]));
    for (const [role, env] of Object.entries(ROLES)) {
      importers[role] = await Peer.start({ node: IMPORT_NODE, env: { ...sharedClusterEnv(cluster), ...env } });
      await importers[role].call('getController', { name: 'sci0' });
    }
  });

  after(async () => {
    for (const p of Object.values(importers)) {
      await p.call('release').catch(() => {});
      await p.stop();
    }
    if (exporter) {
      await exporter.call('release').catch(() => {});
      await exporter.stop();
    }
    if (cluster) removeClusterDir(cluster);
  });

  it('runs the importers under the identities it asked for', async () => {
    assert.equal((await importers.other.call('identity')).uid, 1003);
    assert.deepEqual((await importers.group.call('identity')).groups.includes(1001), true);
    assert.equal((await importers.root.call('identity')).uid, 0);
  });

  for (const role of Object.keys(ROLES)) {
    it(`decides connect and map for the ${role} as the driver does, for every list and permission`, async () => {
      const cases = [];
      for (const list of Object.keys(LISTS)) for (const r of [READ, WRITE, RDWR]) cases.push({ list, r });
      const results = await importers[role].call('probe', {
        node: EXPORT_NODE,
        requests: cases.map(({ list, r }) => ({ segmentId: ids[list], permission: r })),
      });
      const wrong = [];
      cases.forEach(({ list, r }, i) => {
        const [connect, map] = expected(list, role, r);
        const got = results[i];
        if (got.connect !== connect || got.map !== map) {
          wrong.push(`${list} R=0${r.toString(8)}: got ${got.connect}/${got.map}, want ${connect}/${map}`);
        }
      });
      assert.deepEqual(wrong, []);
    });
  }

  it('matches the documented worked examples (docs/semantics.md §5.1) for an 0624 entry', async () => {
    const probe = async (role, r) =>
      (await importers[role].call('probe', { node: EXPORT_NODE, requests: [{ segmentId: ids['0624'], permission: r }] }))[0].connect;
    assert.equal(await probe('owner', RDWR), 'ok');
    assert.equal(await probe('group', WRITE), 'ok');
    assert.equal(await probe('group', READ), 'RSMERR_PERM_DENIED');
    assert.equal(await probe('other', READ), 'ok');
    assert.equal(await probe('other', WRITE), 'RSMERR_PERM_DENIED');
  });

  it('lets a non-owner connect for reading through an 0044 entry but never map', async () => {
    const [r] = await importers.other.call('probe', { node: EXPORT_NODE, requests: [{ segmentId: ids['0044'], permission: READ }] });
    assert.deepEqual(r, { connect: 'ok', map: 'RSMERR_BAD_PERMS' });
  });

  it('lets root connect past any mode (privilege) but not map beyond the stored mode', async () => {
    const [r] = await importers.root.call('probe', { node: EXPORT_NODE, requests: [{ segmentId: ids['0000'], permission: RDWR }] });
    assert.deepEqual(r, { connect: 'ok', map: 'RSMERR_BAD_PERMS' });
  });
});
