// `tag`: another name for an image; a name already in use moves to this image.
import type { Engine } from "./engine.js";
import { parseTagName } from "./image-names.js";
import { formatTimestamp } from "../image/config.js";

export function tagImage(engine: Engine, source: string, target: string): void {
  const name = parseTagName(target);
  const { store } = engine;
  store.write(() => {
    const image = store.images.resolve(source);
    store.images.tag(name, image.id, formatTimestamp(engine.clock.now()));
  });
}
