"""Writes the labelled development set dev.jsonl (run: python data/conversations/make_devset.py).

NON-EXPLICIT by rule: the lines show tactics (flattery, age probing, secrecy, moving to
another app, requests, threats, demands), never sexual description. The lines here were
written apart from the detectors' example phrases (src/.../data/phrases.json); a test checks
that no message of this set equals one of those phrases.

Each conversation: {"id", "label": grooming|sextortion|benign, "kind", "first_harm_index",
"messages": [{"sender", "ts", "text"}], "participants"?}. first_harm_index is the first image
or meeting request (grooming) or the first threat (sextortion)."""

from __future__ import annotations

import json
import random
from pathlib import Path

R = random.Random(20261122)

SMALLTALK_O = ["haha nice", "that's cool", "what are you up to", "lol same", "nice one",
               "how was school today", "what games do you play", "i just got home from work",
               "what music are you into", "that's awesome", "omg lol", "hmm ok",
               "i'm bored tonight", "did you see the update", "you on later?"]
SMALLTALK_C = ["lol", "ok", "yeah", "idk", "haha", "not much", "school was boring", "same",
               "i play roblox mostly", "fortnite and minecraft", "kinda tired", "brb",
               "my mom made tacos", "yeah i guess", "cool", "nothing really", "ya",
               "i have a test tmrw", "lmao", "ok wait"]
OPEN_O = ["hey", "hi there", "hey whats up", "yo", "hii", "hey! saw you in the lobby",
          "hey you're really good at this game", "hi :) nice avatar", "sup",
          "hey we played together yesterday right"]
OPEN_C = ["hi", "hey", "hii", "who is this", "oh hi", "thanks lol", "yeah i remember",
          "sup", "hey :)"]
RAPPORT = ["you're honestly so cool", "you're really pretty you know that",
           "you seem way older than you are", "you're so mature for your age honestly",
           "i like talking to you, you actually listen", "ur different from other people here",
           "you're cute lol", "i could talk to you all day", "u r gorgeous",
           "you're way smarter than the kids in your class i bet",
           "i feel like i've known you forever", "you're my favorite person to talk to",
           "such a cute girl", "ur so funny and pretty"]
AGE_Q = ["how old are you btw", "how old r u?", "wait how old are u", "what grade r u in?",
         "asl?", "you in middle school or high school?", "what year are you in at school",
         "h0w 0ld r u", "are you like 14?", "how old are you, if you don't mind me asking"]
AGE_A = ["{a}", "{a} u?", "im {a}", "i'm {a} lol", "{a} wbu", "i'm {w}", "{a} and you?",
         "just turned {a}", "im in {g}th grade"]
WORDS = {12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen", 16: "sixteen"}
O_AGE = ["i'm {a}", "im {a} but age is just a number", "{a} lol does it matter",
         "i'm {a}, that ok?", "i'm a bit older, {a}", "i'm {a} too haha"]
RISK = ["are your parents home rn?", "r ur parents around", "are you alone right now",
        "do your parents check your phone", "is anyone else there with you",
        "do ur parents go through your messages?", "are you in your room",
        "when do your parents get home", "is your mom home?", "r u home alone"]
RISK_A = ["no they're at work", "nah just me", "yeah im alone", "sometimes", "they're asleep",
          "no", "my mom checks sometimes", "my dad's downstairs", "not really"]
INFO = ["where do you live?", "what school do you go to", "what town are u in",
        "what's your address? i wanna send you something", "what's your real name",
        "which school is that", "what's your number"]
INFO_A = ["why", "near the park", "i dont really say that", "ok its {town}", "lincoln middle",
          "why do u wanna know"]
TOWNS = ["springfield", "riverside", "oakdale", "milton", "fairview"]
GIFTS = ["i can buy you robux if you want", "want me to get you v-bucks?",
         "i'll send you a gift card", "i'll buy you the battle pass",
         "i can give you 50 dollars for anything you want", "i'll get you that new skin",
         "want some free robux? i have loads", "i'll buy you a new phone if you want"]
GIFTS_A = ["omg really?", "wait fr?", "yes please", "thank you!!", "you don't have to",
           "thats so nice"]
ISOLATION = ["your parents don't get you like i do", "nobody understands you like i do",
             "i'm the only one who really cares about you", "your friends don't deserve you",
             "you don't need them, you have me", "they're just jealous of you",
             "no one gets you the way i do"]
SECRECY = ["don't tell anyone about us ok", "keep this between us", "this is our little secret",
           "delete our messages after ok?", "ur parents wouldn't understand so dont tell them",
           "don't tell your friends we talk", "if anyone asks say i'm from school",
           "no one needs to know about this", "make sure you delete the chat",
           "dont mention me to ur mom"]
SECRECY_A = ["ok", "i won't", "ok i promise", "why?", "ok i guess", "sure"]
SWITCH = ["do you have snap?", "add me on snapchat it's easier", "what's ur discord",
          "let's talk on telegram instead", "this app isn't private, add me on kik",
          "do u have whatsapp", "add me on d1sc0rd", "lets move to somewhere more private",
          "what's your insta", "add me on s n a p", "msg me on signal"]
SWITCH_A = ["ok", "sure whats yours", "i dont have it", "yeah i'll add u", "my mom doesnt let me",
            "ok added"]
DESENS = ["it's totally normal", "everyone your age does it", "there's nothing wrong with it",
          "don't be shy", "it's not a big deal", "lots of girls your age send them",
          "it's just between friends"]
PRESSURE = ["if you really liked me you would", "after everything i've done for you",
            "don't you trust me?", "you promised", "i thought you were more mature",
            "come on just do it", "why are you being so difficult"]
IMAGE = ["send me a pic", "can i see a picture of you", "send a selfie?",
         "show me what you look like", "turn on your camera", "send me a photo just for me",
         "can you send a pic of you in your room", "video call me tonight?",
         "send me a private pic", "let me see you"]
MEET = ["we should meet up irl", "can we meet this weekend?", "i can pick you up after school",
        "let's meet at the mall", "i'll come to your town to see you",
        "can you sneak out tonight?", "when can i see you in person",
        "i want to meet you for real"]
HARM_A = ["idk", "um maybe", "i'm not sure", "why", "i dont know about that", "maybe later",
          "ok", "i'll think about it"]


def ts(i: int) -> str:
    return f"2026-10-{1 + i // 200:02d}T{(i // 8) % 24:02d}:{(i * 7) % 60:02d}:00Z"


def convo(lines: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"sender": s, "ts": ts(i), "text": t} for i, (s, t) in enumerate(lines)]


def pick(pool: list[str]) -> str:
    return R.choice(pool)


def smalltalk(lines: list[tuple[str, str]], n: int) -> None:
    for _ in range(n):
        if R.random() < 0.5:
            lines.append(("o", pick(SMALLTALK_O)))
        lines.append(("c", pick(SMALLTALK_C)))


def grooming(i: int) -> dict[str, object]:
    lines: list[tuple[str, str]] = [("o", pick(OPEN_O)), ("c", pick(OPEN_C))]
    child_age = R.choice([12, 13, 13, 14, 14, 15, 15, 16])
    adult_age = R.choice([19, 22, 24, 27, 31, 35, 42])
    smalltalk(lines, R.randint(1, 4))
    stages = []
    stages.append(("rapport", [("o", pick(RAPPORT))], [("c", pick(["thanks", "aw ty", "lol", "stop it haha", "really?"]))]))
    if R.random() < 0.8:
        answer = pick(AGE_A).format(a=child_age, w=WORDS.get(child_age, str(child_age)),
                                    g=child_age - 5)
        extra = [("o", pick(O_AGE).format(a=adult_age if R.random() < 0.7 else child_age + 1))] \
            if R.random() < 0.5 else []
        stages.append(("age", [("o", pick(AGE_Q))], [("c", answer), *extra]))
    if R.random() < 0.7:
        stages.append(("risk", [("o", pick(RISK))], [("c", pick(RISK_A))]))
    if R.random() < 0.45:
        stages.append(("info", [("o", pick(INFO))], [("c", pick(INFO_A).format(town=pick(TOWNS)))]))
    if R.random() < 0.45:
        stages.append(("gifts", [("o", pick(GIFTS))], [("c", pick(GIFTS_A))]))
    if R.random() < 0.4:
        stages.append(("isolation", [("o", pick(ISOLATION))], [("c", pick(["yeah", "i guess", "true", "maybe"]))]))
    if R.random() < 0.7:
        stages.append(("secrecy", [("o", pick(SECRECY))], [("c", pick(SECRECY_A))]))
    if R.random() < 0.6:
        stages.append(("switch", [("o", pick(SWITCH))], [("c", pick(SWITCH_A))]))
    early, late = stages[:1], stages[1:]
    R.shuffle(late)
    for _, o_lines, c_lines in early + late:
        lines.extend(o_lines)
        lines.extend(c_lines)
        smalltalk(lines, R.randint(0, 2))
    if R.random() < 0.4:
        lines.append(("o", pick(DESENS if R.random() < 0.5 else PRESSURE)))
    harm_index = len(lines)
    lines.append(("o", pick(IMAGE if R.random() < 0.6 else MEET)))
    lines.append(("c", pick(HARM_A)))
    if R.random() < 0.5:
        lines.append(("o", pick(PRESSURE + DESENS)))
    participants = None
    if R.random() < 0.3:
        participants = {"o": {"age": adult_age}, "c": {"age": child_age}}
    return {"id": f"g{i:03d}", "label": "grooming", "kind": "grooming",
            "first_harm_index": harm_index, "messages": convo(lines),
            **({"participants": participants} if participants else {})}


SX_OPEN = ["hey cutie", "hi, you're cute, wanna chat?", "hey saw your profile",
           "hey, we have mutual friends i think", "hi :) you go to westfield right?"]
SX_FLIRT = ["you're really hot", "i'm 16 too", "i like your pics", "we should swap pics",
            "send me one and i'll send one back", "you seem fun"]
SX_CLAIM = ["i have your pics now", "i saved everything you sent", "i screenshotted all of it",
            "i recorded our video call", "i got all your photos"]
SX_THREAT = ["i'll send them to all your friends", "i'm gonna post them on your school's page",
             "i'll send it to your mom and dad", "everyone at your school will see them",
             "i'll leak them to all your followers", "i'll ruin your life",
             "i will share these with your whole family", "i have your followers list, they all get it"]
SX_DEMAND = ["pay me $300", "send 200 dollars on cash app", "send me a $100 gift card",
             "you have 2 hours", "pay or else", "send more pics or i post them",
             "i want 500 in bitcoin", "give me money now", "send $50 now and i delete them"]
SX_VICTIM = ["please don't", "i don't have money", "please i'm begging you", "im only 15",
             "why are you doing this", "ok ok wait", "i'll try to get it", "please stop",
             "i can only send 20"]


def sextortion(i: int) -> dict[str, object]:
    lines: list[tuple[str, str]] = [("o", pick(SX_OPEN)), ("c", pick(OPEN_C))]
    for _ in range(R.randint(0, 3)):
        lines.append(("o", pick(SX_FLIRT)))
        lines.append(("c", pick(SMALLTALK_C)))
    if R.random() < 0.6:
        harm = len(lines)
        lines.append(("o", pick(SX_CLAIM)))
        lines.append(("o", pick(SX_THREAT)))
    else:
        harm = len(lines)
        lines.append(("o", pick(SX_THREAT)))
    if R.random() < 0.3:
        lines.append(("c", pick(SX_VICTIM)))
    lines.append(("o", pick(SX_DEMAND)))
    for _ in range(R.randint(1, 3)):
        lines.append(("c", pick(SX_VICTIM)))
        lines.append(("o", pick(SX_DEMAND + SX_THREAT)))
    return {"id": f"s{i:03d}", "label": "sextortion", "kind": "sextortion",
            "first_harm_index": harm, "messages": convo(lines)}


# Hard negatives: each scenario a list of (sender, line) pools in order.
BENIGN: dict[str, list[tuple[str, list[str]]]] = {
    "teen_flirt": [
        ("a", ["hey :)", "hiii", "omg hi"]), ("b", ["hey", "hi lol"]),
        ("a", ["you looked really cute today", "ur so pretty in that hoodie", "you're cute ngl"]),
        ("b", ["stoppp", "omg thanks", "you too lol"]),
        ("a", ["we're both in 10th grade right", "i'm 15 btw", "ur in my bio class right"]),
        ("b", ["yeah lol", "i'm 15 too", "yep 10th grade"]),
        ("a", ["add me on snap", "whats ur snap", "do u have insta"]),
        ("b", ["ok its bella.x", "sure", "added u"]),
        ("a", ["send a selfie?", "send me a pic of your outfit for the dance", "show me ur new earrings"]),
        ("b", ["lol ok", "later", "haha fine"]),
        ("a", ["don't tell my brother i like you lol", "pls dont tell anyone i said that haha", "ok this is embarrassing"]),
    ],
    "adult_couple": [
        ("a", ["morning babe", "hey love", "hi handsome"]), ("b", ["morning!", "hey you"]),
        ("a", ["you looked gorgeous last night", "you're so beautiful", "miss you already"]),
        ("b", ["aw stop", "love you", "can't wait for tonight"]),
        ("a", ["send me a pic of the dress you picked", "show me the new haircut", "send a photo of the view"]),
        ("b", ["here it is", "sending now", "ok one sec"]),
        ("a", ["let's meet at the restaurant at 8", "i'll pick you up at 7", "meet me at the station"]),
        ("b", ["perfect", "see you then", "ok!"]),
        ("a", ["don't tell your sister about the engagement yet", "keep the surprise party quiet", "it's a secret from your mum for now"]),
        ("b", ["my lips are sealed", "haha i won't", "ok"]),
        ("a", ["i'm 34 and still get nervous around you lol", "can't believe we're 30 now"]),
    ],
    "parent_child": [
        ("p", ["hi sweetie", "hey kiddo", "hi love"]), ("k", ["hi mum", "hey dad", "hi mom"]),
        ("p", ["are you home yet?", "did you get home ok?", "are you alone? dinner's in the fridge"]),
        ("k", ["yes mum", "yeah dad", "ya just got in"]),
        ("p", ["don't tell your sister about the surprise", "keep the present a secret from your brother ok", "shh don't tell dad about the cake"]),
        ("k", ["ok i won't", "haha ok", "promise"]),
        ("p", ["i'll buy you the new game this weekend", "i'll give you money for the trip", "i'll get you a new phone for your birthday"]),
        ("k", ["thanks dad!!", "omg thank you mum", "yay love you"]),
        ("p", ["you're so grown up now", "i'm so proud of you", "you're such a clever girl"]),
        ("k", ["love you", "thanks mom", "love u too"]),
        ("p", ["i'll pick you up from practice at 6", "meet me outside the school gate", "i'll come get you at 5"]),
        ("k", ["ok", "ok see you", "thanks"]),
    ],
    "coach": [
        ("t", ["hi team", "hey everyone", "hi all"]),
        ("t", ["practice moved to 5pm tomorrow", "training is at the field at 6", "meet at the gym at 4 on saturday"]),
        ("k", ["ok coach", "got it", "will be there"]),
        ("t", ["send me a photo of the signed permission slip", "can you send a picture of the form", "send me a pic of your receipt for the kit"]),
        ("k", ["sent", "ok one sec", "done"]),
        ("t", ["don't tell the other team our new play", "keep the lineup quiet until friday", "this stays in the team"]),
        ("k", ["haha ok", "yes coach", "lol sure"]),
        ("t", ["what grade are you in now? need it for the league form", "how old are you again? for the age group", "what's your date of birth for registration"]),
        ("k", ["9th", "13", "i'm 14"]),
        ("t", ["are your parents picking you up?", "is your mum coming to the game?", "will your dad drive you?"]),
        ("k", ["yes", "my mom is", "yeah"]),
        ("t", ["great job today", "you played really well", "proud of the effort"]),
    ],
    "teacher": [
        ("t", ["hi class", "reminder everyone", "good morning"]),
        ("t", ["homework is due friday", "the field trip is on tuesday, meet at the front entrance at 8", "bring your calculators tomorrow"]),
        ("k", ["ok miss", "thanks sir", "ok"]),
        ("t", ["please send a photo of your finished project", "upload a picture of your poster", "send me a pic of the worksheet if you lost it"]),
        ("k", ["ok", "will do", "sent"]),
        ("t", ["your parents need to sign the form", "ask your mum or dad to email me", "is your dad coming to parents' evening?"]),
        ("k", ["ok", "yes", "my mom is coming"]),
        ("t", ["well done, that's excellent work", "you're a really good writer", "great improvement"]),
    ],
    "gamers": [
        ("a", ["gg", "yo that was close", "nice clutch"]), ("b", ["gg", "lol ty", "that was insane"]),
        ("a", ["add me on discord", "whats ur discord", "join our discord server"]),
        ("b", ["its shadowfox#2211", "ok", "send link"]),
        ("a", ["how old are you? you sound young lol", "wait r u like 12", "how old r u"]),
        ("b", ["16 wbu", "15 lol", "14 u?"]),
        ("a", ["16 too", "15", "same"]),
        ("a", ["i'll gift you a skin for carrying", "i can give you some robux for helping", "want my spare battle pass code"]),
        ("b", ["no way thanks", "fr? ty", "lol ok"]),
        ("a", ["don't tell anyone the glitch spot", "keep the secret route between us lol", "dont tell the other squad"]),
        ("b", ["ok", "lol never", "deal"]),
        ("a", ["play again tomorrow?", "same time tmrw", "we need a 4th for ranked"]),
    ],
    "haircut": [
        ("a", ["omg did you get your hair cut", "heard you got a new haircut", "how did the hairdresser go"]),
        ("b", ["yeah today!", "yes finally", "yep"]),
        ("a", ["send a pic!!", "send me a photo i wanna see", "pic pls"]),
        ("b", ["ok wait", "here", "dont laugh"]),
        ("a", ["you look so pretty", "it suits you so much", "omg ur gorgeous"]),
        ("b", ["thank youuu", "aw ty", "stop"]),
        ("a", ["we should meet up at the mall saturday", "let's hang out this weekend", "wanna meet up after school tmrw"]),
        ("b", ["yes!", "ok", "sure"]),
    ],
    "victim_tells_friend": [
        ("v", ["i need to tell you something", "can i tell you something bad", "i messed up"]),
        ("f", ["what's wrong", "of course", "whats up"]),
        ("v", ["this guy on insta says he'll send my pics to everyone unless i pay him", "someone is threatening to post my photos", "he said he'd send my pics to my family if i don't pay"]),
        ("f", ["omg that's so scary", "that's not your fault", "oh no"]),
        ("v", ["he wants 200 dollars by tonight", "he keeps saying everyone will see them", "he's blackmailing me and i don't know what to do"]),
        ("f", ["don't pay him", "you need to tell your parents", "block him and report it"]),
        ("f", ["there's a helpline, take it down can help remove them", "tell a trusted adult", "screenshot everything and report him"]),
        ("v", ["ok i'll tell my mom", "ok", "thank you"]),
    ],
    "sex_ed": [
        ("k", ["is it normal to have a crush on someone older", "how do you know if you're ready for a relationship", "what does consent actually mean"]),
        ("h", ["it's totally normal to have feelings like that at your age", "that's a great question to ask", "consent means both people freely agree, and anyone can change their mind"]),
        ("k", ["ok", "thanks", "is it weird to ask"]),
        ("h", ["it's not weird at all, lots of people wonder", "there's nothing wrong with asking", "you can always talk to a school nurse or a parent too"]),
        ("k", ["thanks that helps", "ok thanks", "cool"]),
    ],
    "scam": [
        ("s", ["congratulations! you won a $500 gift card", "your account has been selected for a prize", "final notice: your package is on hold"]),
        ("s", ["pay a $20 shipping fee to claim it", "send $5 to verify your identity", "pay 3.99 to release your parcel"]),
        ("k", ["is this real?", "who is this", "ok how"]),
        ("s", ["you have 24 hours or the prize expires", "act now, offer ends in 2 hours", "click the link to pay"]),
        ("s", ["pay with a google play card", "send it on cash app", "we accept paypal"]),
    ],
    "sibling": [
        ("a", ["i saw you break mum's vase", "i know you took my charger", "i saw you sneak out last night"]),
        ("b", ["no you didn't", "shut up", "so?"]),
        ("a", ["pay me $10 or i'll tell mum", "give me 5 quid or i'm telling dad", "do my chores or i'll tell mom"]),
        ("b", ["fine", "ugh ok", "you're so annoying"]),
        ("a", ["don't tell mum i told you", "deal, don't tell dad either", "keep it between us then"]),
    ],
    "grandparent": [
        ("g", ["hello darling", "hi sweetheart, it's grandma", "hello my love"]),
        ("k", ["hi grandma", "hi nana", "hi grandpa"]),
        ("g", ["you're such a beautiful girl", "you're growing up so fast", "you look so handsome in your school photo"]),
        ("k", ["thanks grandma", "aw thanks nan", "haha thanks"]),
        ("g", ["i'll send you some money for your birthday", "i bought you a present", "i'll give you 20 pounds for your trip"]),
        ("k", ["thank you!!", "you didn't have to", "yay"]),
        ("g", ["don't tell grandpa how much i spent", "keep it a secret from your brother", "our little secret hehe"]),
        ("k", ["haha ok", "i won't", "ok nana"]),
        ("g", ["when are you coming to visit?", "i can pick you up from the station", "come see us at easter"]),
        ("k", ["soon!", "at easter", "ok"]),
        ("g", ["send me a photo of you in your new uniform", "send grandma a picture", "show me your new bike"]),
    ],
    "friends_plans": [
        ("a", ["hey", "yo", "heyy"]), ("b", ["hey", "sup"]),
        ("a", ["wanna go to the cinema saturday", "are you going to the party", "did you do the maths homework"]),
        ("b", ["yeah!", "maybe", "no lol"]),
        ("a", ["my mum can drive us", "i'll ask my dad for a lift", "we can get the bus"]),
        ("b", ["ok cool", "nice", "perfect"]),
        ("a", ["send me the answers to question 4", "send me the link", "what time does it start"]),
        ("b", ["ok", "7pm", "here"]),
    ],
    "adult_work": [
        ("a", ["morning", "hi", "hey"]), ("b", ["morning", "hi there"]),
        ("a", ["can you send the photos from the event", "send me the slides", "can we meet tomorrow at 10"]),
        ("b", ["sure", "will do", "ok"]),
        ("a", ["let's grab lunch after", "want to meet for coffee", "i'll pick you up on the way"]),
        ("b", ["sounds good", "great", "perfect"]),
        ("a", ["keep the reorg quiet until the announcement", "don't mention the bonus to the others yet", "this stays between us for now"]),
        ("b", ["of course", "understood", "sure"]),
    ],
}


def benign(i: int, kind: str) -> dict[str, object]:
    lines: list[tuple[str, str]] = []
    for sender, pool in BENIGN[kind]:
        if R.random() < 0.85 or not lines:
            lines.append((sender, pick(pool)))
        if R.random() < 0.3:
            lines.append((sender, pick(SMALLTALK_C)))
    ages = {"teen_flirt": (15, 16), "gamers": (15, 16), "adult_couple": (34, 31),
            "parent_child": (44, 12), "grandparent": (71, 11), "coach": (38, 13),
            "teacher": (45, 14), "adult_work": (40, 29)}
    senders = list(dict.fromkeys(s for s, _ in lines))
    participants = None
    if kind in ages and R.random() < 0.3 and len(senders) == 2:
        participants = {senders[0]: {"age": ages[kind][0]}, senders[1]: {"age": ages[kind][1]}}
    return {"id": f"b{i:04d}", "label": "benign", "kind": kind, "first_harm_index": None,
            "messages": convo(lines), **({"participants": participants} if participants else {})}


def main() -> None:
    out = []
    out += [grooming(i) for i in range(200)]
    out += [sextortion(i) for i in range(100)]
    kinds = list(BENIGN)
    out += [benign(i, kinds[i % len(kinds)]) for i in range(1400)]
    path = Path(__file__).with_name("dev.jsonl")
    with path.open("w", encoding="utf-8") as f:
        for item in out:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} conversations to {path}")


if __name__ == "__main__":
    main()
