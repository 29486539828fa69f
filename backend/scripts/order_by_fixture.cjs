/**
 * How lodash's `_.orderBy` (the copy json-server 0.17.4 loads from the root node_modules) orders
 * random lists of records whose fields mix types: the fixture
 * `tests/unit/fixtures/lodash-order-by.json` that `app/javascript/sort.py` is checked against.
 *
 * Regenerate it (after `npm ci` at the repository root; the seed is fixed, so the lists are
 * the same every time):
 *
 *     node backend/scripts/order_by_fixture.cjs > backend/tests/unit/fixtures/lodash-order-by.json
 *
 * `--seed N` and `--count N` make other lists (for a larger check outside the test suite).
 * With `--recompute FIXTURE` it sorts the lists stored in an existing fixture again with the
 * installed lodash and prints the result in the same format (the live test compares the two).
 *
 * Format: `pool` holds every field value; a list stores, per field it sorts by, one character per
 * record: `.` when the record lacks the field, else the pool index plus 0x30. `order` is the
 * sorted records' original indexes, two characters each (base 64, ORDER_DIGITS).
 */
'use strict';

const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const lodashDir = path.join(root, 'node_modules', 'lodash');
const version = JSON.parse(fs.readFileSync(path.join(lodashDir, 'package.json'), 'utf8')).version;
const _ = require(lodashDir);

const MISSING = '.';
const ORDER_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/';
const POOL = [
  // Numbers, and strings that are numbers to JavaScript's `<` (or NaN).
  0, 1, 2, 5, 9, 10, 34, 100, -1, -5, 1.5, 0.1, -3.25, 1e21, 1e-7, 123456789012, 9007199254740993,
  '0', '1', '2', '5', '9', '10', '34', '100', '-1', '1.5', '1e3', '0x1A', '0b101', '0o17', '-0x1A',
  ' 12 ', '\t5\n', '5.', '.5', '+5', '1_000', 'Infinity', '-Infinity', 'NaN', '', ' ',
  // Other strings: case, accents, astral characters (UTF-16 order), look-alikes of other types.
  'abc', 'Abc', 'abc ', 'ABC', 'b', 'Z', 'z', 'ä', 'é', 'e', '\u00e9', 'e\u0301', '\uFFFD',
  '\uFF21', '😀', '𝒜', 'ﬀ', 'null', 'true', 'false', 'undefined', '1,2', '[object Object]',
  'function', 'Zürich', 'zurich', 'Paris', 'paris',
  // Booleans and null.
  true, false, null,
  // Arrays (compared as their elements joined by commas) and objects ("[object Object]").
  [], [1], [1, 2], ['a'], [null], [[]], [1, [2, 3]], ['10'], [true], [{}], [1e21], [0.1, -0],
  {}, { city: 'Paris' }, { city: 'paris' }, { city: 10 }, { city: '10' }, { city: '9' },
  { city: null }, { city: true }, { city: [3] }, { city: {} }, { city: '' }, { town: 'Paris' },
];

// Fields that read lengths, indexes, inherited methods, or a key that looks like a path.
const PATH_EDGES = [
  ['a.length'], ['a.0', 'b'], ['a[1]'], ['c["city"]'], ['constructor', 'a'], ['toString'],
  ['a.toFixed', 'b'], ['c.__proto__', 'a'], ['a.length', 'a.0'], ['c.city'],
];

const PROFILES = ['random', 'numbers', 'strings', 'few', 'blocks', 'blocks', 'only numbers', 'only strings'];

// mulberry32: a small seeded generator, so the lists are the same on every run.
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const option = (name, fallback) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const random = generator(option('--seed', 2));
const below = (n) => Math.floor(random() * n);
const pick = (list) => list[below(list.length)];
const NUMBERS = POOL.map((v, i) => [v, i]).filter(([v]) => typeof v === 'number').map(([, i]) => i);
const NULL = POOL.indexOf(null);
const STRINGS = POOL.map((v, i) => [v, i]).filter(([v]) => typeof v === 'string').map(([, i]) => i);

function column(size, profile) {
  const codes = [];
  const distinct = Array.from({ length: 1 + below(6) }, () => below(POOL.length));
  for (let i = 0; i < size; i++) {
    const roll = random();
    let index;
    if (profile === 'random') index = roll < 0.08 ? -1 : below(POOL.length);
    else if (profile === 'numbers') index = roll < 0.85 ? pick(NUMBERS) : roll < 0.95 ? pick(STRINGS) : -1;
    else if (profile === 'strings') index = roll < 0.85 ? pick(STRINGS) : roll < 0.95 ? pick(NUMBERS) : -1;
    else if (profile === 'only numbers') index = roll < 0.9 ? pick(NUMBERS) : roll < 0.95 ? NULL : -1;
    else if (profile === 'only strings') index = roll < 0.9 ? pick(STRINGS) : roll < 0.95 ? NULL : -1;
    else if (profile === 'sparse') index = roll < 0.8 ? -1 : below(POOL.length);
    else if (profile === 'few') index = roll < 0.05 ? -1 : pick(distinct); // long runs of ties
    else index = roll < 0.05 ? -1 : roll < 0.7 ? pick(NUMBERS) : below(POOL.length);
    codes.push(index < 0 ? MISSING : String.fromCharCode(0x30 + index));
  }
  if (profile === 'blocks') {
    // Stretches already in lodash's order, of uneven lengths: natural runs of many sizes.
    const blocks = [];
    for (let start = 0; start < size; ) {
      const length = 1 + below(Math.min(size - start, 1 + below(300)));
      const block = codes.slice(start, start + length);
      const value = (code) => (code === MISSING ? undefined : POOL[code.charCodeAt(0) - 0x30]);
      blocks.push(..._.sortBy(block, value));
      start += length;
    }
    return blocks.join('');
  }
  if (profile !== 'random' && random() < 0.5) {
    // Presorted stretches make long runs and galloping merges.
    codes.sort();
    if (random() < 0.5) codes.reverse();
    for (let swaps = below(size / 4 + 1); swaps > 0; swaps--) {
      const i = below(size);
      const j = below(size);
      [codes[i], codes[j]] = [codes[j], codes[i]];
    }
  }
  return codes.join('');
}

function generate(count) {
  const lists = [];
  for (let n = 0; n < count; n++) {
    const size = Math.round(5 * Math.pow(200, random())); // 5 to 1,000, more short than long
    const fields = random() < 0.85
      ? pick([['a'], ['b'], ['c.city'], ['a', 'b'], ['b', 'a'], ['a', 'c.city'], ['c', 'a']])
      : pick(PATH_EDGES);
    const columns = {};
    for (const field of fields) {
      columns[field.split(/[.[]/)[0]] = column(size, pick(PROFILES));
    }
    if (fields.includes('c.city') && random() < 0.3) columns['c.city'] = column(size, 'sparse');
    const orders = pick([[], ['asc'], ['desc'], ['desc', 'asc'], ['asc', 'desc'], ['desc', 'desc']]);
    lists.push({ fields, orders, columns });
  }
  return lists;
}

function records(list) {
  const size = Object.values(list.columns)[0].length;
  return Array.from({ length: size }, (_unused, i) => {
    const record = { id: i };
    for (const name of Object.keys(list.columns)) {
      const code = list.columns[name][i];
      if (code !== MISSING) record[name] = structuredClone(POOL[code.charCodeAt(0) - 0x30]);
    }
    return record;
  });
}

function sorted(list) {
  const ids = _.orderBy(records(list), list.fields, list.orders).map((record) => record.id);
  return ids.map((id) => ORDER_DIGITS[id >> 6] + ORDER_DIGITS[id & 63]).join('');
}

const recompute = process.argv.indexOf('--recompute');
const lists = recompute >= 0
  ? JSON.parse(fs.readFileSync(process.argv[recompute + 1], 'utf8')).lists
  : generate(option('--count', 300));
const output = {
  library: `lodash ${version}`,
  node: process.version,
  pool: POOL,
  lists: lists.map((list) => ({ fields: list.fields, orders: list.orders, columns: list.columns, order: sorted(list) })),
};
process.stdout.write(JSON.stringify(output) + '\n');
