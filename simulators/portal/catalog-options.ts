// A portal simulator set up from the platform's catalog entry, so what castsync prepares for a portal (variants
// made to the catalog's image rules, videos checked against its video rules) and what the simulated portal takes
// come from the same numbers and cannot drift apart. Membership quotas are not in the catalog: the item limit
// keeps the simulator's default.
import type { PlatformEntry } from '../../adapters/catalog.js';
import { DEFAULT_MEDIA_RULES, formatOfContentType, type MediaFormat, type MediaRules } from './media-pages.js';
import type { PortalSimulatorOptions } from './server.js';

/**
 * The upload rules of the platform's media page: image formats, size and edges from `media`, video containers,
 * size and count from `video`. The catalog's aspect is what castsync crops to; portals recommend it, so it is not
 * enforced. Portals take no documents (no catalog entry of one lists `documents`).
 */
export function mediaRulesFromCatalog(platform: PlatformEntry): MediaRules {
  const image = platform.media;
  const video = platform.video;
  const videoFormats = (video?.contentTypes ?? []).map((type) => portalFormatOf(platform, type));
  const rules: MediaRules = {
    formats: [...(image?.formats ?? []), ...videoFormats],
    maxBytes: image?.maxBytes ?? video?.maxBytes ?? DEFAULT_MEDIA_RULES.maxBytes,
    maxItems: DEFAULT_MEDIA_RULES.maxItems,
  };
  if (image) {
    rules.maxEdgePx = image.maxEdge;
    if (image.minEdgeOf === 'longer') rules.minLongEdgePx = image.minEdge;
    else rules.minShortEdgePx = image.minEdge;
  }
  if (video) rules.maxVideoBytes = video.maxBytes;
  if (video?.maxCount !== undefined) rules.maxVideos = video.maxCount;
  return rules;
}

/** A catalog entry naming a container the simulated portal cannot recognise would let the two drift apart: refuse it. */
function portalFormatOf(platform: PlatformEntry, contentType: string): MediaFormat {
  const format = formatOfContentType(contentType);
  if (!format) throw new Error(`the portal simulator cannot check ${contentType} uploads, which the catalog lets ${platform.name} take`);
  return format;
}

/** The simulator's options for a browser platform: its name, its upload rules, and delete or hide as its page offers. */
export function portalOptionsFromCatalog(platform: PlatformEntry): PortalSimulatorOptions {
  if (platform.kind !== 'browser' || !platform.browser) throw new Error(`${platform.name} is no browser platform`);
  const selectors = platform.browser.selectors;
  return {
    name: platform.name,
    mediaRules: mediaRulesFromCatalog(platform),
    // Casting Networks: media can be hidden, not deleted; the catalog lists a hide button and no delete button.
    mediaCanDelete: Boolean(selectors.mediaDelete) || !selectors.mediaHide,
  };
}
