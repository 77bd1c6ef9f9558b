// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point of the test
const ASCII_ONLY = /^[\x00-\x7f]*$/;
/** An HTML/XML tag such as `<br />` or `<i>` (bounded, so a stray `<` never eats a whole text). */
const MARKUP_TAG = /<\/?[a-z][^<>]{0,60}>/gi;
/** The common HTML character entities. */
const MARKUP_ENTITY = /&(?:amp|quot|apos|lt|gt|nbsp|#\d{1,5});/gi;

/**
 * Unicode NFKC then lower case (a close, cheap stand-in for full case folding). ASCII skips NFKC.
 * With `stripMarkup`, HTML tags and entities (`<br />`, `&amp;`) become a space first, so
 * scraped web text does not turn its markup into features.
 */
export function normalizeText(text: string, stripMarkup = false): string {
  let source = text;
  if (stripMarkup && (source.includes("<") || source.includes("&"))) {
    source = source.replace(MARKUP_TAG, " ").replace(MARKUP_ENTITY, " ");
  }
  return (ASCII_ONLY.test(source) ? source : source.normalize("NFKC")).toLowerCase();
}
