// Container names: Docker's validation and its adjective_scientist generator (a subset of
// moby's namesgenerator lists; the retry on a taken name is Docker's too).
import { randomInt } from "node:crypto";
import { InvalidArgumentError } from "../../errors.js";

const ADJECTIVES = [
  "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful", "blissful", "bold",
  "brave", "busy", "charming", "clever", "compassionate", "competent", "condescending", "confident", "cool", "cranky",
  "crazy", "dazzling", "determined", "distracted", "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant",
  "eloquent", "epic", "exciting", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty", "funny",
  "gallant", "gifted", "goofy", "gracious", "great", "happy", "hardcore", "heuristic", "hopeful", "hungry",
  "infallible", "inspiring", "intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving",
  "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic",
  "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical", "recursing",
  "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange",
  "stupefied", "suspicious", "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant", "vigilant",
  "vigorous", "wizardly", "wonderful", "xenodochial", "youthful", "zealous", "zen",
];

const SCIENTISTS = [
  "agnesi", "albattani", "allen", "almeida", "archimedes", "ardinghelli", "aryabhata", "austin", "babbage", "banach",
  "bardeen", "bartik", "bassi", "bell", "benz", "bhabha", "bhaskara", "blackwell", "bohr", "booth",
  "borg", "bose", "boyd", "brahmagupta", "brattain", "brown", "carson", "chandrasekhar", "clarke", "colden",
  "cori", "cray", "curie", "darwin", "davinci", "dijkstra", "dubinsky", "easley", "einstein", "elion",
  "engelbart", "euclid", "euler", "fermat", "fermi", "feynman", "franklin", "galileo", "gates", "goldberg",
  "goldstine", "goldwasser", "golick", "goodall", "hamilton", "hawking", "heisenberg", "hermann", "hertz", "hodgkin",
  "hoover", "hopper", "hugle", "hypatia", "jang", "jennings", "jepsen", "johnson", "joliot", "jones",
  "kalam", "keller", "kepler", "khorana", "kilby", "kirch", "knuth", "lalande", "lamarr", "lamport",
  "leakey", "leavitt", "lehmann", "lewin", "lichterman", "liskov", "lovelace", "lumiere", "mahavira", "margulis",
  "matsumoto", "mayer", "mccarthy", "mcclintock", "meitner", "mendel", "merkle", "mirzakhani", "montalcini", "moore",
  "morse", "nash", "neumann", "newton", "nobel", "noether", "northcutt", "noyce", "panini", "pare",
  "pascal", "pasteur", "payne", "perlman", "pike", "poincare", "poitras", "ptolemy", "raman", "ramanujan",
  "ride", "ritchie", "robinson", "rosalind", "rubin", "saha", "sammet", "shamir", "shannon", "shaw",
  "shirley", "shockley", "sinoussi", "snyder", "spence", "stonebraker", "sutherland", "swanson", "swartz", "swirles",
  "tesla", "thompson", "torvalds", "turing", "varahamihira", "villani", "visvesvaraya", "volhard", "wescoff", "wiles",
  "williams", "wilson", "wing", "wozniak", "wright", "wu", "yalow", "yonath", "zhukovsky",
];

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Checks a user's name and returns it without the leading slash Docker allows. */
export function validateContainerName(name: string): string {
  if (!VALID_NAME.test(name)) {
    throw new InvalidArgumentError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name.replace(/^\//, "");
}

/** A random name; after a few collisions a digit is appended, as moby does on retry. */
export function generateName(taken: (name: string) => boolean): string {
  for (let retry = 0; ; retry++) {
    let name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SCIENTISTS[randomInt(SCIENTISTS.length)]}`;
    if (name === "boring_wozniak") continue; // Steve Wozniak is not boring (moby's rule)
    if (retry > 3) name += randomInt(10);
    if (!taken(name)) return name;
  }
}
