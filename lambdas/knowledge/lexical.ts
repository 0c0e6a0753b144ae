import { tokenizer } from '@orama/orama/components';
import { splitIdentifier } from './identifiers';

/**
 * English function words plus the chatter of tickets ("hi team, please help"), which carry no topic. Words that do
 * carry meaning in IT text even though they are common ("down", "not", "no", "out", "off", "up") are kept out of
 * this list on purpose.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all am an and any are aren arent as at be because been before being below
  between both but by can cant could couldnt did didnt do does doesnt doing dont during each few for from further
  had hadnt has hasnt have havent having he her here hers herself him himself his how i id if im in into is isnt it
  its itself ive just let lets me more most my myself nor of once only or other our ours ourselves over own same
  she should shouldnt so some such than that thats the their theirs them themselves then there these they this
  those through to too under until very was wasnt we were werent what when where which while who whom why will with
  wont would wouldnt you your yours yourself yourselves also get gets got getting still since via per etc eg ie
  hi hello hey dear team guys folks please pls plz thanks thank thx regards cheers kindly urgent urgently asap
  anyone someone somebody something anything everything today yesterday tomorrow morning afternoon evening
  tonight now currently recently suddenly again anymore really seems seem seemed like able unable trying tried try
  know help need needs needed want wants see seeing look looking keep keeps kept using use used`
    .split(/\s+/)
    .filter(Boolean),
);

const englishStemmer = tokenizer.createTokenizer({ language: 'english', stemming: true }).stemmer;

/** Porter stem of one lower-case word (Orama's English stemmer), so `restarting` and `restarts` meet. */
export function stem(word: string): string {
  return englishStemmer ? englishStemmer(word) : word;
}

/**
 * Lower-case words of `text`: apostrophes dropped (`can't` -> `cant`), split at anything that is not a letter or a
 * digit (`node-exporter` -> `node exporter`), camel-case identifiers split as well as kept.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.replace(/['\u2019]/g, '').split(/[^A-Za-z0-9]+/)) {
    if (!raw) continue;
    for (const word of splitIdentifier(raw)) out.push(word.toLowerCase());
  }
  return out;
}

/**
 * Index terms of `text`: words without stop words, one-letter words and bare numbers of more than four digits
 * (ids, timestamps), stemmed. Duplicates are kept: term frequency matters to BM25.
 */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of words(text)) {
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    if (/^\d{5,}$/.test(word) || /^(?=[a-f]*\d)[0-9a-f]{8,}$/.test(word)) continue;
    out.push(stem(word));
  }
  return out;
}

/** Distinct index terms of `text`, in first-seen order. */
export function distinctTerms(text: string): string[] {
  return [...new Set(terms(text))];
}
