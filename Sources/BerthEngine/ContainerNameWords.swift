// The words of generated container names (adjective_noun, as podman's and
// docker's generators make them): 102 adjectives x 246 nouns of the sea, the shore,
// trees, birds, the sky, the land and stones, about 25,000 names, as many as
// podman draws from. Our own lists, all lower-case ASCII.
enum ContainerNameWords {
    static let adjectives = [
        "agile", "amber", "ample", "arctic", "ardent", "azure", "balmy", "bold", "brave", "breezy", "bright", "brisk",
        "calm", "candid", "cheery", "civil", "clever", "cosmic", "crisp", "curious", "dapper", "daring", "deft",
        "dreamy", "eager", "earnest", "easy", "elated", "epic", "fair", "fancy", "fervent", "festive", "fierce",
        "fluent", "focused", "fond", "frank", "free", "gallant", "gentle", "giddy", "glad", "golden", "graceful",
        "grand", "happy", "hardy", "hearty", "hopeful", "humble", "jolly", "jovial", "joyful", "keen", "kind",
        "lively", "loyal", "lucid", "lucky", "mellow", "merry", "mighty", "modest", "nimble", "noble", "patient",
        "peaceful", "plucky", "polite", "proud", "quick", "quiet", "radiant", "rapid", "ready", "serene", "sharp",
        "silent", "sleek", "smart", "snug", "sober", "solid", "spry", "stoic", "sturdy", "sunny", "swift", "tender",
        "tidy", "tranquil", "trusty", "upbeat", "valiant", "vibrant", "vivid", "warm", "wise", "witty", "zealous",
        "zesty",
    ]

    static let nouns = [
        "acorn", "agate", "albatross", "alder", "anchor", "aspen", "atoll", "aurora", "avocet", "bay", "beacon",
        "beryl", "bight", "birch", "bittern", "bluff", "boat", "bollard", "boulder", "bow", "breaker", "brig", "brook",
        "bunting", "buoy", "cabin", "canal", "canoe", "canyon", "cape", "capstan", "cargo", "cedar", "channel",
        "cliff", "clipper", "coast", "cockle", "comet", "compass", "coral", "cormorant", "cove", "crag", "creek",
        "curlew", "current", "cutter", "cypress", "dale", "davit", "dell", "delta", "dinghy", "dipper", "dock",
        "dolphin", "drift", "dune", "dunlin", "eddy", "egret", "eider", "elm", "equinox", "estuary", "falcon", "fen",
        "ferry", "finch", "fir", "fjord", "flag", "fleet", "flotilla", "foghorn", "frigate", "galley", "gangway",
        "gannet", "garnet", "glade", "glen", "godwit", "grebe", "grove", "gulf", "gull", "harbor", "hatch", "haven",
        "hazel", "headland", "heath", "helm", "heron", "horizon", "hull", "inlet", "island", "isle", "jade", "jasper",
        "jetty", "juniper", "junk", "kayak", "keel", "kelp", "kestrel", "ketch", "kingfisher", "kittiwake", "knoll",
        "knot", "lagoon", "lapwing", "larch", "lark", "launch", "laurel", "ledge", "lighthouse", "linden", "liner",
        "lock", "loon", "lugger", "magpie", "manta", "maple", "marina", "mariner", "marsh", "martin", "mast", "meadow",
        "merlin", "mesa", "meteor", "moor", "mooring", "narrows", "nebula", "nova", "oak", "oar", "ocean", "olive",
        "onyx", "opal", "orbit", "orca", "oriole", "osprey", "otter", "owl", "paddle", "peak", "pearl", "pelican",
        "pennant", "petrel", "pier", "piling", "pilot", "pine", "pipit", "planet", "plover", "pond", "pontoon",
        "poplar", "port", "prairie", "prow", "puffin", "pulsar", "quartz", "quasar", "quay", "raft", "raven",
        "redshank", "reef", "ridge", "rigging", "river", "robin", "rope", "rowan", "ruby", "rudder", "sail", "sailor",
        "sandbar", "sanderling", "schooner", "seal", "sequoia", "shearwater", "shell", "shoal", "shore", "skiff",
        "skua", "skylark", "sloop", "snipe", "solstice", "sound", "spar", "sparrow", "spray", "spruce", "starling",
        "stern", "strait", "summit", "surf", "swallow", "swell", "tanker", "tarn", "teal", "tern", "thrush", "tide",
        "tiller", "topaz", "trawler", "tug", "turnstone", "valley", "wake", "walrus", "warbler", "wave", "whale",
        "wharf", "willow", "winch", "wren", "yacht", "yawl", "zenith",
    ]

    /// A name drawn at random; the claim in ContainerNames decides whether it is free.
    static func random() -> String {
        adjectives.randomElement()! + "_" + nouns.randomElement()!
    }
}
