// `tag`: another name for an image; a name already in use moves to this image.
import { recordEvent } from "../events.js";
import { familiarString, parseReference } from "../../image/reference.js";
import type { Engine } from "../engine.js";
import { parseTagName } from "./image-names.js";
import { formatTimestamp } from "../../image/config.js";

export function tagImage(engine: Engine, source: string, target: string): void {
  const name = parseTagName(target);
  const { store } = engine;
  const id = store.write(() => {
    const image = store.images.resolve(source);
    store.images.tag(name, image.id, formatTimestamp(engine.clock.now()));
    return image.id;
  });
  recordEvent(engine, "image", "tag", id, { name: familiarString(parseReference(name)) });
}
