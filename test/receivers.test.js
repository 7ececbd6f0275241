'use strict';
// Every public method and accessor of every exported class, called on an
// object that is not one of its own, throws TypeError ERR_INVALID_THIS (as
// Node's own classes do) before it reads an argument or touches a handle.
const assert = require('node:assert/strict');
const rsm = require('..');
const { CONTROLLER, PAGE, tracker } = require('./support/fixtures');

const LOCAL_NODE = 1;

/** The exported classes and their members, own and symbol-keyed, but the constructor. */
function exportedClasses() {
  return Object.entries(rsm)
    .filter(([, value]) => typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value)))
    .map(([name, cls]) => ({
      name,
      cls,
      members: Reflect.ownKeys(cls.prototype)
        .filter((key) => key !== 'constructor')
        .map((key) => ({ key, descriptor: Object.getOwnPropertyDescriptor(cls.prototype, key) })),
    }));
}

/** Runs a member on `receiver` with no arguments; the error it throws or its promise rejects with. */
async function failureOf(descriptor, receiver) {
  try {
    const result = descriptor.get ? descriptor.get.call(receiver) : descriptor.value.call(receiver);
    if (result instanceof Promise) await result;
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('methods called on foreign receivers', () => {
  const held = tracker();
  const instances = {};
  before(async () => {
    const ctl = held.add(rsm.getController(CONTROLLER));
    const exp = held.add(ctl.createExport(PAGE));
    const id = await exp.publish();
    const imp = held.add(await ctl.connect(LOCAL_NODE, id));
    const mapping = held.add(imp.map({ length: PAGE }));
    const local = held.add(ctl.createLocalMemory(PAGE));
    Object.assign(instances, { Controller: ctl, ExportSegment: exp, ImportSegment: imp, Mapping: mapping, Barrier: imp.barrier, LocalMemory: local });
  });
  after(() => held.release());

  it('throws TypeError ERR_INVALID_THIS from every method and accessor of every exported class', async () => {
    const classes = exportedClasses().filter((c) => c.members.length > 0);
    // The handle classes at least; a class added later is walked as well.
    for (const name of Object.keys(instances)) assert.ok(classes.some((c) => c.name === name), `${name} is walked`);
    let walked = 0;
    for (const { name, cls, members } of classes) {
      const other = Object.entries(instances).find(([n]) => n !== name)[1];
      const receivers = { 'a plain object': {}, 'Object.create(prototype)': Object.create(cls.prototype), [`a ${other.constructor.name}`]: other, 'a number': 5, undefined };
      for (const { key, descriptor } of members) {
        for (const [what, receiver] of Object.entries(receivers)) {
          const e = await failureOf(descriptor, receiver);
          const member = `${name}.prototype.${String(key)} on ${what}`;
          assert.ok(e instanceof TypeError, `${member}: expected a TypeError, got ${e && e.stack}`);
          assert.equal(e.code, 'ERR_INVALID_THIS', `${member}: ${e.message}`);
          assert.equal(e.message, `Value of "this" must be of type ${name}`);
          walked++;
        }
      }
    }
    assert.ok(walked > 300, `walked ${walked} calls`);
  });

  it('leaves the foreign handle untouched: a signal through the wrong class posts nothing', async () => {
    const exp = instances.ExportSegment;
    assert.throws(() => rsm.ImportSegment.prototype.signal.call(exp), { code: 'ERR_INVALID_THIS' });
    await assert.rejects(exp.waitForSignal({ timeout: 0 }), { code: 'RSMERR_TIMEOUT' });
  });
});
