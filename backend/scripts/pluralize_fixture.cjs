/**
 * What npm `pluralize` 8.0.0 (the version json-server 0.17.4 uses) answers for a large word list:
 * the fixture `tests/unit/fixtures/pluralize-8.0.0.json` that `app/javascript/pluralize.py` is
 * checked against.
 *
 * Regenerate it (after `npm ci` at the repository root; Debian's `wamerican` adds dictionary
 * words from /usr/share/dict/words when installed):
 *
 *     node backend/scripts/pluralize_fixture.cjs > backend/tests/unit/fixtures/pluralize-8.0.0.json
 *
 * With `--recompute FIXTURE` it reads the words from an existing fixture and prints what the
 * installed pluralize says for them, in the same format (the live test compares the two).
 */
'use strict';

const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..', '..');
const libraryDir = path.join(root, 'node_modules', 'pluralize');
const version = JSON.parse(fs.readFileSync(path.join(libraryDir, 'package.json'), 'utf8')).version;
if (version !== '8.0.0') {
  process.stderr.write(`node_modules/pluralize is ${version}, not 8.0.0\n`);
  process.exit(1);
}
const pluralize = require(libraryDir);

function tableLiterals() {
  const source = fs.readFileSync(path.join(libraryDir, 'pluralize.js'), 'utf8');
  return [...new Set([...source.matchAll(/'([A-Za-z]+)'/g)].map((match) => match[1]))];
}

function ruleStemWords() {
  const source = fs.readFileSync(path.join(libraryDir, 'pluralize.js'), 'utf8');
  const words = new Set();
  // Stems inside the rule regexes, with the endings the rules look at.
  const endings = ['', 's', 'es', 'us', 'i', 'a', 'ae', 'um', 'on', 'im', 'o', 'oes', 'is', 'ix',
    'ex', 'ices', 'ice', 'ouse', 'y', 'ies', 'ey', 'f', 'fe', 'ves', 'sis', 'ses', 'en', 'ren',
    'ople', 'rson', 'x', 'eau', 'eaux', 'an', 'men', 'ese', 'ie'];
  for (const regex of source.matchAll(/\[\/(.+?)\/i,/g)) {
    for (const stem of regex[1].matchAll(/[a-z]{2,}/g)) {
      for (const ending of endings) words.add(stem[0] + ending);
    }
  }
  return [...words];
}

function dictionaryWords() {
  const file = '/usr/share/dict/words';
  if (!fs.existsSync(file)) return [];
  const all = fs.readFileSync(file, 'utf8').split('\n').filter((w) => /^[a-z]+$/.test(w));
  return all.filter((_, index) => index % 20 === 0);
}

const SPECIAL = [
  '', ' ', 'a', 'A', 's', 'S', 'ss', 'x', 'y', 'I', 'i',
  // json-server collection names and what people name them.
  'patients', 'patient', 'Patients', 'PATIENTS', 'Patient', 'pAtIeNtS', 'wards', 'Wards', 'WARDS',
  'Ward', 'wArDs', 'doctors', 'appointments', 'people', 'persons', 'Person', 'PEOPLE', 'statuses',
  'status', 'Status', 'STATUS', 'data', 'datum', 'medicine', 'medicines', 'branch', 'branches',
  'Authority', 'Authorities', 'authority', 'criteria', 'index', 'indexes', 'indices', 'virus',
  'viruses', 'viri', 'bus', 'buses', 'quiz', 'quizzes', 'ox', 'oxen', 'settings', 'vitals',
  'addresses', 'db', 'clinic', 'clinics', 'posts', 'comments', 'profile', 'users', 'todos',
  // Words with digits, punctuation, spaces.
  '_audit', '_audits', 'lab.results', 'lab.result', 'my wards', 'my ward', 'ward2', 'wards2',
  'ward_2s', '2', '42s', 'v1', 'V1S', 'lab1', 'LAB1', 'lab-results', 'lab_results', 'x-ray',
  'X-Rays', 'e-mail', 'e-mails', 'a b', 'cats\n', 'cat\n', 'cats ', ' cats', '$', '$1', '$0s',
  'foo$', 'wives', 'lives', 'xlives', 'x lives', '-lives', 'mice', 'titmice', 'a.mice', 'amice',
  'monies', 'smilies', 'pies', 'lies', 'x.ties', 'neckties', 'genies', 'thou', 'THOU', 'Thou',
  // Non-ASCII: accents, ligatures, special casing, Greek final sigma, astral characters.
  'café', 'cafés', 'Café', 'CAFÉ', 'naïve', 'Ärzte', 'ärzte', 'straße', 'STRASSE', 'ß', 'ẞ',
  'ﬀ', 'ﬁles', 'ŉ', 'İstanbul', 'istanbul', 'ı', 'ıs', 'İs', 'K', 'Ks', 'ſ', 'aſ', 'caſ', 'Å',
  'ΟΔΟΣ', 'οδος', 'Σ', 'ΑΣ', 'σοφία', 'Ǆ', 'ǅ', 'ǆ', 'ǅungla', 'Pokémon', 'POKÉMON', 'pokemon',
  'pokÉmon', 'Pokemons', 'Ωmega', 'ωmegas', 'über', 'Über', 'ÜBER', 'übers', 'éclairs',
  'ÉCLAIRS', 'Éclair', 'ﬁ', '日本', '日本s', 'ciudad', 'niño', 'niños', 'NIÑOS', 'Niños',
  '😀', '😀s', 'ward😀', 'wards😀', '😀ward', '😀wards', '𝒜y', '𐐀', '𐐀y', '𐐨y', '𐐀ward',
  '𐐀WARDS', '𐐀Wards', 'a𐐀', 'A𐐨S', '\ud800', 'ward\ud800', '\udc00wards', 'wards\udc00',
  'ꟋS', 'ɤs', 'ꟋWARDS', 'ƛ', 'ꟜS', 'Ꟑs', 'ꟑ', '\u1c89s', '\u1c89', 'ǰ', 'ǰs', 'ΐ', 'ﬓ',
  // Rule edges.
  'echoes', 'Echo', 'ECHOES', 'genera', 'geese', 'Geese', 'GEESE', 'feet', 'Feet', 'teeth',
  'passersby', 'Passerby', 'looies', 'thieves', 'yeses', 'dice', 'die', 'axes', 'axe', 'axis',
  'testis', 'testes', 'alias', 'aliases', 'atlas', 'atlases', 'gas', 'gases', 'iris', 'irises',
  'emu', 'emus', 'menu', 'menus', 'bias', 'biases', 'alumnus', 'alumni', 'alumna', 'alumnae',
  'seraph', 'seraphim', 'cherubim', 'hero', 'heroes', 'potato', 'potatoes', 'agenda', 'agendas',
  'phenomenon', 'phenomena', 'crisis', 'crises', 'knife', 'knives', 'wife', 'life', 'leaf',
  'leaves', 'hoof', 'hooves', 'wolf', 'wolves', 'calf', 'calves', 'elf', 'elves', 'loaf',
  'query', 'queries', 'day', 'days', 'monkey', 'monkeys', 'money', 'honey', 'trolley',
  'box', 'boxes', 'church', 'churches', 'kiss', 'kisses', 'dish', 'buzz', 'buzzes', 'matrix',
  'matrices', 'vertex', 'vertices', 'appendix', 'appendices', 'mouse', 'louse', 'titmouse',
  'child', 'children', 'chateau', 'chateaux', 'chateaus', 'man', 'men', 'woman', 'women',
  'human', 'humans', 'Human', 'German', 'Germans', 'chinese', 'Japanese', 'deer', 'reindeer',
  'fish', 'Fishes', 'measles', 'carnivorous', 'smallpox', 'sheep', 'Sheep', 'SHEEP', 'news',
  'NEWS', 'News', 'movies', 'twelves', 'abuses', 'zombies', 'cookies', 'goalies', 'calories',
  'hippies', 'series', 'species', 'equipment', 'staff', 'media', 'information', 'police',
];

function variants(word) {
  const lower = word.toLowerCase();
  const title = lower.charAt(0).toUpperCase() + lower.slice(1);
  const mixed = [...lower].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  return [word, title, lower.toUpperCase(), mixed];
}

function words() {
  const dictionary = dictionaryWords();
  const list = [...SPECIAL];
  for (const word of tableLiterals()) list.push(...variants(word));
  ruleStemWords().forEach((word, index) => list.push(...(index % 8 ? [word] : variants(word))));
  for (const word of dictionary) list.push(word);
  for (const word of dictionary.filter((_, index) => index % 10 === 0)) list.push(...variants(word));
  return [...new Set(list)];
}

function sameAsNull(word, answer) {
  return answer === word ? null : answer;
}

function answers(wordList) {
  return {
    library: `pluralize ${version}`,
    node: process.version,
    words: wordList,
    // null: the same as the word.
    plural: wordList.map((w) => sameAsNull(w, pluralize.plural(w))),
    singular: wordList.map((w) => sameAsNull(w, pluralize.singular(w))),
    isPlural: wordList.map((w) => (pluralize.isPlural(w) ? '1' : '0')).join(''),
    isSingular: wordList.map((w) => (pluralize.isSingular(w) ? '1' : '0')).join(''),
  };
}

const recompute = process.argv.indexOf('--recompute');
const wordList = recompute >= 0
  ? JSON.parse(fs.readFileSync(process.argv[recompute + 1], 'utf8')).words
  : words();
process.stdout.write(JSON.stringify(answers(wordList)) + '\n');
