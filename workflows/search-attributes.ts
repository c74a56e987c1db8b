// Custom search attributes, registered with the dev server at start, so runs can be found in the Web UI with
// e.g. `CastsyncUserId = "..." AND CastsyncPlatforms = "etalenta"`.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const userIdAttribute = defineSearchAttributeKey('CastsyncUserId', SearchAttributeType.KEYWORD);
export const platformsAttribute = defineSearchAttributeKey('CastsyncPlatforms', SearchAttributeType.KEYWORD_LIST);

/** For the CLI's --search-attribute flag. */
export const searchAttributeDefinitions = [
  { name: userIdAttribute.name, type: 'Keyword' },
  { name: platformsAttribute.name, type: 'KeywordList' },
] as const;
