"""Explicit patterns per tactic, over normalised text (see normalize.py: lower case, leetspeak
and look-alikes undone, number words as digits, straight apostrophes).

Each pattern carries a strength in [0, 1]: how sure one match makes us of the tactic, not of
harm. Harm is judged over the conversation (assess.py). Patterns say who does what to whom:
a threat is "I will send YOUR pics", so a victim's "he said he'd send MY pics" is not one;
that is a disclosure (disclosure.py), which asks for help rather than for an alert on the sender."""

from __future__ import annotations

import re

from safeguarding.conversation.tactics import Tactic

YOU = r"(?:you|u|ya|yu|yuo)"
YOUR = r"(?:your|ur|yr|youre|you're|ure)"
ARE = r"(?:are|r|re)"
PIC = (
    r"(?:pics?|pix|pictures?|photos?|selfies?|images?|vids?|videos?|nudes?|snaps?|"
    r"screenshots?|recordings?|clips?)"
)
APPS = (
    r"(?:snap|snapchat|sc|discord|telegram|tele|whatsapp|wa|kik|insta|instagram|ig|signal|"
    r"wickr|skype|session|threema|line|viber|wechat|facetime|tiktok)"
)
I_WILL = (
    r"(?:i'?ll|i will|i'?m (?:going to|gonna)|im (?:going to|gonna)|i'?m gonna|gonna|"
    r"i am going to|i can)"
)
AUDIENCE = (
    r"(?:friends?|family|followers|parents|mum|mom|dad|school|teachers?|classmates|"
    r"contacts|everyone|everybody|the internet|online|brother|sister|cousins?|"
    r"grandma|grandpa|coach|team|church)"
)
NEG = r"(?:don'?t|dont|do not|never|dnt)"

_RAW: dict[Tactic, list[tuple[str, float]]] = {
    Tactic.RAPPORT: [
        (rf"\b{YOUR} (?:so |really |very |such an? )?(?:mature|grown up|wise) for {YOUR} age", 0.9),
        (
            rf"\b{YOUR} (?:so |really |very |super |the most )?(?:pretty|beautiful|gorgeous|cute|"
            rf"hot|sexy|stunning|special|amazing|perfect|adorable)\b",
            0.55,
        ),
        (rf"\b{YOUR} (?:not like|different from|nothing like) (?:other|the other|most)", 0.7),
        (
            rf"\b(?:i feel like i'?ve known {YOU}|we have so much in common|{YOU} (?:can|could) "
            rf"trust me|i'?m (?:always )?here for {YOU}|i really (?:like|care about) {YOU}|"
            r"you'?re my fav(?:ou?rite)?|i (?:think about|miss) you (?:all the time|so much))",
            0.5,
        ),
        (r"\b(?:such a|what a) (?:pretty|cute|beautiful) (?:girl|boy)\b", 0.6),
    ],
    Tactic.AGE_PROBE: [
        (
            rf"\b(?:how old {ARE} {YOU}|how old {YOU}|{YOUR} age\?|what age {ARE} {YOU}|"
            rf"{ARE} {YOU} (?:even )?(?:1[0-9]|[89]|a minor|under ?age|underage|legal|over 18|"
            rf"under 18)\b|a/?s/?l\b|what (?:grade|year|class) {ARE} {YOU}|"
            rf"{ARE} {YOU} in (?:middle|high|elementary|primary|secondary) school|"
            rf"when (?:is|'s) {YOUR} (?:birthday|bday)|what year (?:were|was) {YOU} born)",
            0.8,
        ),
    ],
    Tactic.PERSONAL_INFO: [
        (
            rf"\b(?:where do {YOU} live|where {ARE} {YOU} from|what (?:school|town|city|state|"
            rf"area) "
            rf"(?:do {YOU} (?:go to|live in|live)|{ARE} {YOU} (?:at|in))|which school|"
            rf"what(?:'s| is) {YOUR} (?:address|number|phone number|real name|last name|"
            rf"full name|school|postcode|zip)|send (?:me )?{YOUR} (?:address|location|number)|"
            rf"(?:give|tell) me {YOUR} (?:address|number|real name))",
            0.7,
        ),
    ],
    Tactic.RISK_CHECK: [
        (
            rf"\b(?:{ARE}|is) {YOUR} (?:parents|mum|mom|dad|mother|father|family|folks|brother|"
            rf"sister) (?:home|around|there|awake|asleep|out|nearby|watching)",
            0.85,
        ),
        (rf"\b{ARE} {YOU} (?:home )?(?:alone|by {YOU}rself|by yourself|on {YOUR} own)\b", 0.8),
        (
            rf"\b(?:do|does|will) {YOUR} (?:parents|mum|mom|dad|mother|father) (?:check|look at|"
            rf"read|go through|monitor|see) {YOUR} (?:phone|messages|chats|texts|dms|account)",
            0.9,
        ),
        (
            rf"\b(?:is )?any ?(?:one|1|body) (?:else )?(?:there|home|with {YOU}|in the room|"
            r"watching)\?",
            0.7,
        ),
        (
            rf"\b(?:{ARE} {YOU} in {YOUR} (?:room|bedroom|bed)|who else (?:uses|sees|reads) "
            rf"{YOUR} (?:phone|account|messages)|when do {YOUR} (?:parents|mum|mom|dad) "
            r"(?:leave|go to (?:bed|sleep|work)|get home))",
            0.75,
        ),
    ],
    Tactic.SECRECY: [
        (
            rf"\b{NEG} (?:tell|show|mention (?:this|it|us|me) to) (?:any ?(?:one|1|body)|"
            rf"no ?(?:one|1)|{YOUR} (?:parents|mum|mom|dad|friends|family|teacher)s?)",
            0.75,
        ),
        (
            r"\b(?:keep|keeps|kept) (?:this|it|us|our chats?|what we) (?:a )?(?:secret|private|"
            r"between us|between (?:you and me|u and me|us 2|us two)|to (?:yourself|urself))",
            0.85,
        ),
        (
            r"\b(?:our (?:little )?secret|(?:just )?between (?:you and me|u and me|me and you|"
            r"us)\b|"
            r"no ?(?:one|1|body) (?:needs|has|have|got) to know)",
            0.8,
        ),
        (
            rf"\b(?:delete|erase|clear|unsend|wipe) (?:this|the|our|these|those|{YOUR}|"
            rf"all (?:the|our|"
            rf"these)) (?:chats?|messages|texts|msgs|convos?|conversations?|dms|{PIC}|history)",
            0.85,
        ),
        (
            rf"\b(?:they|people|{YOUR} (?:parents|mum|mom|dad|friends)) (?:wouldn'?t|won'?t|would "
            rf"not|will not|would never) (?:understand|get it|get us)",
            0.7,
        ),
        (
            rf"\bif (?:any ?(?:one|1|body)|{YOUR} (?:parents|mum|mom|dad)) (?:finds? out|asks?|"
            rf"sees?)",
            0.6,
        ),
    ],
    Tactic.ISOLATION: [
        (
            rf"\b(?:no ?(?:one|1|body)) (?:else )?(?:understands?|gets?|cares? about|knows?|"
            rf"loves?) "
            rf"{YOU} (?:like|the way|as much as|better than) (?:i|me)",
            0.9,
        ),
        (
            rf"\b{YOUR} (?:parents|mum|mom|dad|friends|family|teachers?) (?:don'?t|dont|do not|"
            rf"never|wouldn'?t) (?:understand|get|care about|appreciate|listen to|deserve) {YOU}",
            0.8,
        ),
        (
            r"\b(?:i'?m|im|i am) the only (?:one|1|person) (?:who|that) (?:really |truly )?"
            r"(?:gets?|understands?|cares?|loves?|listens)",
            0.85,
        ),
        (
            rf"\b{YOU} (?:don'?t|dont|do not) need (?:them|anyone else|any ?(?:one|1|body) else|"
            rf"{YOUR} friends)|only i (?:understand|get|care)|they'?re (?:just )?(?:jealous|"
            r"holding you back)",
            0.75,
        ),
    ],
    Tactic.GIFTS: [
        (
            rf"\b(?:{I_WILL}|let me|want me to|i could|i'?d) (?:buy|get|send|give|gift|pay for) "
            rf"{YOU} (?:some |a |an |free )?(?:robux|v-?bucks|gift ?cards?|skins?|gems|coins|nitro|"
            rf"credits|money|cash|\$?\d+|new phone|a phone|iphone|anything|whatever {YOU} want|"
            r"battle ?pass|game|games|presents?|gifts?)",
            0.75,
        ),
        (
            r"\b(?:free robux|free v-?bucks|i'?ll pay for (?:it|your)|want (?:some )?robux|"
            r"need (?:some )?(?:robux|v-?bucks)\?)",
            0.7,
        ),
    ],
    Tactic.PLATFORM_SWITCH: [
        (
            rf"\b(?:add|message|msg|text|dm|hit|find|follow|call) me (?:up )?(?:on|at|"
            rf"over) {APPS}\b",
            0.6,
        ),
        (
            rf"\b(?:do|got|have) {YOU} (?:have |got )?(?:a |an )?{APPS}\b|what(?:'s| is) {YOUR} "
            rf"(?:{APPS}|number|username|user|@)\b|(?:my|here'?s my) {APPS} is\b",
            0.55,
        ),
        (
            r"\b(?:let'?s|lets|can we|we should|wanna|want to) (?:talk|chat|move|go|continue|"
            r"switch)"
            r" (?:on |to |over |somewhere |some ?where )?(?:more )?(?:private|somewhere else|"
            r"another app|a different app|" + APPS + r")\b",
            0.8,
        ),
        (
            r"\b(?:this app|this site|this game|here) (?:is(?:n'?t| not)? )?(?:not safe|isn'?t "
            r"private|is (?:monitored|watched|being watched)|(?:mods|moderators) (?:read|see|"
            r"watch))",
            0.85,
        ),
    ],
    Tactic.IMAGE_REQUEST: [
        # Of the person: a selfie, "a pic of you", the camera on.
        (
            rf"\b(?:{PIC}|one) (?:of {YOU}|of {YOUR}self|of yourself|of urself|just for me|"
            rf"in {YOUR} (?:room|bed|pj|pajamas|pyjamas|uniform))\b|\bselfies?\b|"
            rf"\b(?:private|special|secret|cute|sexy) (?:pic|pics|photo|photos|video|vid)s?\b",
            0.8,
        ),
        (
            rf"\bshow me (?:{YOUR}self|yourself|urself|what {YOU}|{YOUR} (?:body|outfit|face))|"
            rf"\b(?:turn|switch|put) (?:on )?{YOUR} (?:cam|camera|webcam)(?: on)?\b|"
            rf"\b(?:video ?call|cam ?chat|facetime) (?:me|now|tonight)\b|"
            rf"\b(?:see|know) what {YOU} look like|\blet me see {YOU}\b",
            0.8,
        ),
        # Any picture: "send me a pic", "can i see a photo".
        (
            rf"\b(?:send|snap|show|text|dm) (?:me )?(?:a |an |some |more |another |1 )?"
            rf"(?:quick |nice |new )?{PIC}\b(?! of (?:the|your (?:form|slip|receipt|homework|"
            r"work|project|poster|worksheet))| from)",
            0.65,
        ),
        (
            rf"\b(?:can|could|may|will) (?:i|you|u) (?:see|get|have) (?:a |an |some |more )?{PIC}\b"
            rf"|\b{PIC} (?:pls|plz|please)\b",
            0.6,
        ),
        # Things, not people: "send the photos from the trip", "a pic of the form".
        (rf"\bsend (?:me )?(?:the|those|these|a|an) (?:\w+ )?(?:{PIC}|slides|files?|link)", 0.3),
    ],
    Tactic.MEETING_REQUEST: [
        (
            rf"\b(?:meet|meet up|hang out|see {YOU}|get together) (?:in person|irl|in real life|"
            r"for real|face to face|offline)\b",
            0.85,
        ),
        (
            r"\b(?:can|could|should|let'?s|lets|want to|wanna|we could|we should) (?:we |i )?"
            r"(?:meet|meet up|hook up)\b",
            0.75,
        ),
        (
            rf"\b(?:{I_WILL}|i could|let me) (?:pick {YOU} up|come (?:to {YOUR}|get {YOU}|"
            rf"see {YOU}|"
            rf"over)|drive (?:to|over)|visit {YOU}|book (?:a|us a) (?:room|hotel))\b",
            0.85,
        ),
        (
            rf"\b(?:sneak|come|slip) out (?:tonight|later|to (?:meet|see) me)|where (?:can|could|"
            rf"should) (?:we|i) meet|when can (?:i|we) (?:see|meet) {YOU}",
            0.8,
        ),
    ],
    Tactic.THREAT: [
        (
            rf"\b{I_WILL} (?:send|post|share|leak|show|expose|forward|upload|spread|put|give|email|"
            rf"tag|dm|release)\b[^.!?]{{0,40}}\b(?:{YOUR}|every|all (?:of )?{YOUR}|to)\b"
            rf"[^.!?]{{0,30}}\b{AUDIENCE}\b",
            0.95,
        ),
        (
            rf"\b{I_WILL} (?:send|post|share|leak|expose|upload|spread|release) (?:{YOUR}|the|"
            rf"these|"
            rf"those|all (?:the|{YOUR})|them|it|everything)\b[^.!?]{{0,20}}{PIC}?",
            0.65,
        ),
        (
            rf"\b(?:i|we) (?:have|got|saved|recorded|screenshotted|screenshot|kept|still have) "
            rf"(?:all )?(?:{YOUR}|the|those|these|every|our) (?:\w+ )?{PIC}\b",
            0.7,
        ),
        (
            r"\bi (?:have|got|saved|kept|recorded|screenshotted|screenshot|screen ?recorded|"
            r"captured|downloaded|took screenshots of) (?:everything|all of it|"
            r"all of (?:it|them|that)|all (?:that|those|these|the (?:pics|photos|messages))|"
            r"our (?:video|call|chat|convo|"
            rf"facetime|video call)|what {YOU} sent|the (?:video|call|video call))",
            0.7,
        ),
        (
            rf"\b(?:{AUDIENCE}|the whole (?:school|world|internet)) (?:will|is going to|gonna|are "
            rf"going to) (?:see|get|know|find out|receive)",
            0.85,
        ),
        (
            rf"\b(?:ruin|destroy|end) {YOUR} (?:life|reputation|future)|{YOUR} life (?:is|will be) "
            rf"(?:over|ruined)|i know where {YOU} live|i (?:have|got) (?:all )?{YOUR} "
            r"(?:followers|friends list|contacts|family'?s)",
            0.85,
        ),
        (
            rf"\b(?:or|else|otherwise|unless) [^.!?]{{0,30}}(?:everyone|every1|"
            rf"{YOUR} (?:{AUDIENCE}))"
            r" (?:sees?|gets?|will see)",
            0.85,
        ),
    ],
    Tactic.PAYMENT_DEMAND: [
        (
            r"\b(?:pay|send|give|transfer|wire) (?:me |us )?(?:\$ ?\d+|\d+ ?(?:\$|dollars|bucks|"
            r"pounds|quid|euros|usd|gbp)|£ ?\d+|€ ?\d+|money|cash|a gift ?card|gift ?cards|"
            r"bitcoin|btc|crypto|it on (?:paypal|venmo|cash ?app))",
            0.75,
        ),
        (
            r"\b(?:send|buy|get|give) (?:me )?(?:an? )?(?:[$£€] ?\d+ |\d+ (?:dollar|pound|euro) )?"
            r"(?:gift ?cards?|steam cards?|google play cards?|amazon cards?|itunes cards?)|"
            r"\bi want (?:[$£€] ?\d+|\d+|money|cash|the money|bitcoin|btc|crypto|payment)\b",
            0.75,
        ),
        (
            r"\b(?:paypal|venmo|cash ?app|cashapp|zelle|apple pay|google play card|steam card|"
            r"amazon card|itunes card|bitcoin wallet)\b",
            0.45,
        ),
        (
            rf"\b(?:{YOU} (?:have|got)|i'?ll give {YOU}) (?:\d+|an?|1) (?:hours?|hrs?|minutes?|"
            rf"mins?|"
            r"days?|seconds?)\b|\bor else\b|\b(?:time is|clock is) (?:running|ticking)",
            0.6,
        ),
        (
            rf"\b(?:send|give) (?:me )?(?:more|another|1 more|one more|a new) {PIC}|\bunless {YOU} "
            r"(?:pay|send|do)\b",
            0.7,
        ),
    ],
    Tactic.DESENSITISATION: [
        (
            r"\b(?:it'?s|its|it is|that'?s|thats) (?:totally |completely |perfectly )?(?:normal|"
            r"natural|ok|okay|fine) (?:to|for|at your age|everyone)",
            0.55,
        ),
        (
            rf"\b(?:every ?(?:one|1|body)|all (?:the )?(?:girls|boys|kids|teens)|(?:other|lots of) "
            rf"(?:girls|boys|kids|teens))(?: {YOUR} age| at {YOUR} age)? (?:does|do|did|is doing|"
            r"are doing|sends?)"
            r" (?:it|this|that|them)\b",
            0.75,
        ),
        (
            r"\b(?:nothing|not anything) (?:wrong|bad|weird) (?:with|about) (?:it|this|that|us)|"
            r"(?:it'?s|its) (?:just|only) (?:a pic|pics|a photo|for fun|a game|between friends)|"
            r"(?:it'?s|its) not (?:a big deal|a big thing|weird)",
            0.7,
        ),
        (rf"\b{NEG} be (?:shy|scared|nervous|a baby|such a baby|boring|weird about it)", 0.55),
    ],
    Tactic.PRESSURE: [
        (
            rf"\bif {YOU} (?:really |actually |truly )?(?:loved|liked|cared about|trusted|love|"
            r"like|care about|trust) me\b",
            0.85,
        ),
        (
            rf"\b(?:don'?t|dont|do not) {YOU} trust me|after (?:all|everything) (?:i'?ve|i have|"
            rf"i) (?:done|given|bought|did) (?:for )?{YOU}|{YOU} owe me|{YOU} promised( me)?\b",
            0.8,
        ),
        (
            rf"\b(?:i thought {YOU} were|i thought {YOUR}) (?:different|mature|cool|special)|"
            r"(?:prove|show me) (?:it|that) |i'?ll (?:be so sad|be upset|hurt myself|"
            rf"kill myself) if {YOU}|why {ARE} {YOU} being (?:so )?(?:mean|difficult|boring)",
            0.75,
        ),
        (
            r"\b(?:just|come on|c'?mon|cmon) (?:do it|please|pls|plz|for me)\b|"
            r"\b(?:stop being|don'?t be) (?:a )?(?:tease|prude|baby|boring)",
            0.55,
        ),
    ],
}

RULES: dict[Tactic, list[tuple[re.Pattern[str], float]]] = {
    tactic: [(re.compile(pattern), strength) for pattern, strength in patterns]
    for tactic, patterns in _RAW.items()
}


# Family names in address ("thanks mum", "hi grandma") or introduction ("it's grandma").
_KIN = re.compile(
    r"\bit'?s (?:your )?(?:mum|mom|dad|grandma|grandpa|nana|nan|gran|auntie|aunt|uncle)\b"
    r"|(?:^|\b(?:hi|hey|hello|thanks|thank you|thx|ty|love you|love u|ok|okay|yes|yeah|ya|no|"
    r"bye|night|morning|sorry|sure|promise|coming|omg|aw|yay)[, !]+)(?:mum|mom|mummy|mommy|"
    r"mama|dad|daddy|papa|nana|nan|nanna|grandma|granny|gran|grandpa|grandad|granddad|"
    r"auntie|aunty|aunt|uncle)\b"
)


def rule_scores(text: str) -> dict[Tactic, float]:
    """The strongest matching pattern per tactic, for normalised text."""
    found: dict[Tactic, float] = {}
    for tactic, patterns in RULES.items():
        best = 0.0
        for pattern, strength in patterns:
            if strength > best and pattern.search(text):
                best = strength
        if best:
            found[tactic] = best
    return found


def addresses_family(text: str) -> bool:
    return _KIN.search(text) is not None
