'use strict';
const assert = require('node:assert/strict');
const rsm = require('..');
const { throwsRsm, throwsCode } = require('./support/expect');
const { CONTROLLER, PAGE } = require('./support/fixtures');

describe('controllers', () => {
  it('opens the default topology controller and reports its attributes', () => {
    const c = rsm.getController(CONTROLLER);
    try {
      const a = c.attributes();
      assert.equal(a.pageSize, PAGE);
      assert.equal(a.directAccessSizes, 0xf);
      assert.ok(a.maxExportSegmentSize >= 64 * 1024 * 1024);
      assert.ok(a.maxImportSegments > 0);
      assert.equal(c.name, CONTROLLER);
    } finally {
      c.release();
    }
  });

  it('opens the loopback controller by name, with its attributes (page size 8, rest 0)', () => {
    const c = rsm.getController('loopback');
    try {
      assert.deepEqual({ ...c.attributes() }, {
        directAccessSizes: 0,
        atomicSizes: 0,
        pageSize: 8,
        maxExportSegmentSize: 0,
        totExportSegmentSize: 0,
        maxExportSegments: 0,
        maxImportMapSize: 0,
        totImportMapSize: 0,
        maxImportSegments: 0,
      });
    } finally {
      c.release();
    }
  });

  it('refuses a controller this node does not have: RSMERR_CTLR_NOT_PRESENT', () => {
    throwsRsm(() => rsm.getController('nosuch7'), 'RSMERR_CTLR_NOT_PRESENT', 'rsm_get_controller');
  });

  it('counts references: two opens of one name are independent handles', () => {
    const a = rsm.getController(CONTROLLER);
    const b = rsm.getController(CONTROLLER);
    a.release();
    assert.equal(b.attributes().pageSize, PAGE);
    b.release();
  });

  it('makes release idempotent and throws a typed error on use after release', () => {
    const c = rsm.getController(CONTROLLER);
    c.release();
    c.release();
    c[Symbol.dispose]();
    assert.equal(c.released, true);
    throwsCode(() => c.attributes(), Error, 'ERR_RSM_RELEASED');
    throwsCode(() => c.createExport(PAGE), Error, 'ERR_RSM_RELEASED');
  });

  it('rejects a controller name of the wrong type or length', () => {
    throwsCode(() => rsm.getController(42), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => rsm.getController({}), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => rsm.getController('x'.repeat(300)), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => rsm.getController('sci\u00000'), TypeError, 'ERR_INVALID_ARG_VALUE');
  });
});
