// The docker CLI's own checks of `network create --subnet/--ip-range/--gateway` (made before any
// request), for berth's CLI: the engine's door to src/network's IPAM.
export { buildIpamConfig } from "../../network/ipam.js";
