"""Disclosures: a message in which someone tells of a threat they received, over normalised text
(lower case, no accents; see normalize.py).

A disclosure asks for help rather than for an alert on its sender: the detector strips the
sextortion tactics from it, it nudges the chat with safety information (assess.tier_for), and
it is a feature of the conversation model, so changing these patterns means retraining both
bundles. English, Spanish and Portuguese are read; the Spanish and Portuguese phrases were
written by a native-speaker helper apart from every conversation source
(tests/conversation/data/disclosures-es-pt.jsonl, with its brief)."""

from __future__ import annotations

import re

from safeguarding.conversation.rules import PIC

# English. Someone's words are a disclosure only when they name the leverage or the demand:
# "she said yes" and "my gran says i'm on it too much" are ordinary reported speech, which
# the bare reported-speech form of session 1 read on about one in five English benign chats.
_SOMEONE = r"(?:he|she|they|this (?:guy|girl|person|account)|some ?(?:one|1)|some guy|a guy|a girl)"
_ENGLISH = (
    rf"\b{_SOMEONE} (?:is |keeps |was |has been |just )?(?:said|says|saying|told me|tells me|"
    rf"threatens|threatened|threatening|wants|wanted|demands|demanded|asked|asking|is asking|"
    rf"going to|gonna)\b[^.!?]{{0,50}}(?:\b(?:my|for|the|those|these|them|our) {PIC}|"
    rf"\bmy (?:pics|photos|nudes)|\bpay|\bmoney|\bsend (?:them|it|those)|"
    rf"\bpost (?:them|it|those|my)|\bshare (?:them|it|those|my)|\bleak|\bexpose|"
    rf"\bevery ?(?:one|1|body)\b[^.!?]{{0,20}}\bsee|"
    rf"\bunless\b|\bor else\b)"
    rf"|\b(?:blackmailing|extorting|threatening|threatened|threatens) me\b"
    rf"|\bmy (?:pics|photos|nudes|video|pictures) (?:to|with|are|got|online|leaked)"
)

# Spanish and Portuguese. Subjects are often dropped ("dice que si no le pago..."), so these
# read the writer's side instead: pictures the writer owns or sent, a third person doing
# something with them, and the terms the threatener set.
_OWN = (
    r"(?:\bmis (?:fotos|videos|capturas)\b(?! de)|\bfotos (?:mias|privadas)\b|\bun video mio\b|"
    r"\b(?:las|unas|esas|aquellas) fotos (?:que|q) (?:yo )?le (?:mande|pase|envie|di)\b|"
    r"\bminhas fotos\b(?! d[aoe])|\bfotos minhas\b|\bum video meu\b|"
    r"\bmeu video\b(?! d[aoe])|\b(?:as|umas|aquelas) fotos (?:que|q) (?:eu )?(?:mandei|enviei)\b)"
)
# Third person (singular and plural), infinitive or participle, so a writer's own "te mando
# mis fotos", "subi mis fotos" or "compartilhei minhas fotos" is not a disclosure; "ya
# publico" is the past tense once accents are gone. Being threatened with them
# ("me amenaza con mis fotos") reads too; "te amenazo" is the threatener's (_NOT_IBERIAN).
_PT = r"(?:r\w*|m|ram|do|ndo|va|vam)?\b"  # Portuguese: -ar(-lhe), -am, -aram, -ado, -ava
_ES = r"(?:r\w*|n|ron|do|ndo|ra|ran|ria|ba|ban)?\b"  # Spanish: -ar(-las), -an, -aron, -aba
_DONE_WITH = (
    rf"(?:\bpublica{_ES}|\bsub(?:e|en|ir\w*|io|ieron|ido\w*)\b|\bpasa(?:r\w*|ron)\b|"
    rf"\b(?:ha|han|habia|habian) pasado\b|"
    rf"\bmanda{_ES}|\bmanda{_PT}|\bmandou\b|\bensena{_ES}|\bmostra{_PT}|\bmostra{_ES}|"
    rf"\bmostrou\b|\bmuestran?\b|\bdifund(?:e|en|ir\w*|io|ieron|ido)\b|\bcolga(?:r\w*|do|ron)\b|"
    rf"\bcuelgan?\b|\bfiltra(?:r\w*|ron|do)\b|\bpostea{_ES}|\bposta(?:r|ram|do)?\b|\bpostou\b|"
    rf"\bcompart(?:e|en|ir\w*|io|ieron|ido)\b|\bcompartilha{_PT}|\bcompartilhou\b|"
    rf"\bescracha{_ES}|\bvaza{_PT}|\bvazou\b|\bespalha{_PT}|\bespalhou\b|\bdivulga{_PT}|"
    rf"\bdivulgou\b|\bexp(?:or|oe|os\w*)\b|\bexpondo\b|\bpartilha{_PT}|\bva[io] por\b|"
    rf"\bya (?:le |las |los )?(?:publico|mando|paso|enseno|mostro)\b|"
    rf"\bamenaza\w*|\bamenazo\b|\bameaca\w*|\bameacou\b|\bchantage\w*|\bchantaje\w*|\bextor\w*)"
)
_WRITERS_PEOPLE = (
    r"(?:\ba mis (?:padres|papas|viejos|contactos|seguidores|amigos|amigas|companeros)\b|"
    r"\ba mi (?:mama|madre|papa|padre|viejo|vieja|familia|colegio|escuela|insti|cole|novio|"
    r"novia)\b|\ba toda mi (?:familia|lista|clase)\b|\ba todo el (?:insti|cole|colegio)\b|"
    r"\btodo el mundo\b|\ben todos lados\b|\btodos los grupos\b|"
    r"\b(?:pros|pras|aos|as) (?:meus|minhas) (?:pais|contatos|contactos|seguidores|amigos|"
    r"amigas)\b|\b(?:pra|para|a) minha (?:mae|familia|escola|turma|namorada)\b|"
    r"\bpro meu (?:pai|namorado)\b|\b(?:pra|para) (?:a )?(?:escola|turma|sala) toda\b|"
    r"\b(?:o colegio|a escola|a turma) tod[oa]\b|\bpra geral\b|\bpela escola\b|"
    r"\btodo mundo\b|\btoda a gente\b)"
)
# Blackmailed or extorted; "me amenaza" alone is also a parent's or a sibling's, so a threat
# reads only with the pictures or the terms (_DEMANDED, _TERMS).
_COERCED = (
    r"(?:\bme (?:\w+ ){0,2}(?:chantaje\w*|extorsion\w*|chantage\w*|extorqu\w*)|"
    r"\b(?:chantage\w*|amenaza\w*|ameaca\w*|extorqu\w*)-me\b|"
    r"\b(?:siendo|sendo) (?:chantajead|extorsionad|chantagead|extorquid|amenazad|ameacad)"
    r"[oa]s?\b)"
)
_REPORTED = (
    r"(?:\b(?:dice|dijo|dijeron|ha dicho|diciendo|quiere|pide|pidio|pidiendo|exige|amenaza\w*|"
    r"amenazo|disse|diz|falou|fala|falando|dizendo|quer|pediu|pede|pedindo|pedir-me|ameaca\w*|"
    r"ameacou|cobrando|me toca|tengo \w+ horas))\b"
)
# Pay or send more, or else; the writer's first person ("si no le pago", "se eu nao pagar").
_TERMS = (
    r"(?:\bsi no,? (?:(?:le |les |se lo |se la )?(?:pago|pague|deposito|transfiero|consigno)|"
    r"(?:le |les |se lo |se la )(?:mando|mande|paso|doy|mandaba|hago lo que)|"
    r"(?:le |les )?sigo mandando|"
    r"dice|dijo)\b|\bo si no\b|"
    r"\bsi (?:lo |la |le )?(?:bloqueo|bloqueaba|le cuento|cuento a)\b|"
    r"\bsi no (?:las|los|lo) (?:publica|sube|pasa|manda|ensena|muestra)\b|"
    r"\bse (?:eu )?(?:n|nao) (?:lhe )?(?:pag\w*|transfer\w*|fiz\w* (?:o |um )?pix|"
    r"der\w* (?:o )?dinheiro|continu\w* mandando|mand\w* mais)\b|"
    r"\bse eu (?:bloquear|contar|terminar)\b|"
    r"\bsenao\b[^.!?]{0,20}\b(?:vaza|posta|manda|espalha|publica|mostra|expoe)\b)"
)
_MONEY = r"(?:dinero|plata|guita|lana|pesos|euros|lucas|reais|pix|dinheiro)"
_DEMANDED = (
    rf"(?:\b(?:amenaz|ameac)\w*[^.!?]{{0,40}}\b(?:fotos?|videos?|todo|tudo)\b(?! d[aoe]l? )|"
    rf"\b{_MONEY}\b[^.!?]{{0,30}}\b(?:pa|para|por|pra) (?:nao|no) (?:publi|sub|pas|ensen|mostr|"
    rf"difund|mand|filtr|vaz|post|espalh|divulg|expo)\w*|"
    rf"\b(?:dinero|plata|guita|dinheiro) por (?:unas |las |umas |as )?fotos\b(?! d[aoe])|"
    rf"\b(?:pagar\w*|mas|mais|plata|dinero|pix)\b,? (?:o|ou) (?:\w+ ){{0,3}}(?:sube|publica|"
    rf"manda|vaza|posta|espalha|pasa|ensena|muestra|mostra)\b[^.!?]{{0,20}}"
    rf"\b(?:las|as|los|todo|tudo|fotos|video)\b|"
    rf"\b(?:me (?:\w+ )?pid\w*|pidiendome|pediu|pedindo|pide) (?:mas|mais) fotos?\b(?! d[aoe])|"
    rf"{_DONE_WITH}[^.!?]{{0,25}}\b(?:todo|tudo|las fotos|as fotos|las otras|as antigas|"
    rf"todas las fotos)\b(?! d[aoe]l? )[^.!?]{{0,25}}{_WRITERS_PEOPLE})"
)
# Holding them reads only before them: "tiene mis fotos", not "mis fotos tienen likes".
_HOLDS = r"(?:\btienen?\b|\btem\b)"
_IBERIAN = (
    rf"{_HOLDS}[^.!?]{{0,20}}{_OWN}|{_DONE_WITH}[^.!?]{{0,60}}{_OWN}|"
    rf"{_OWN}[^.!?]{{0,60}}{_DONE_WITH}|{_COERCED}|"
    rf"{_REPORTED}[^.!?]{{0,40}}{_TERMS}|{_DEMANDED}"
)
# Threats between friends and siblings carry a laugh ("te mato si le cuentas jajaja": one
# syllable repeated, so "hoje" and "haja" are words, which until session 38 cancelled a
# disclosure as laughs); the writer's own doing is no disclosure ("te he pasado mis fotos",
# "vou mostrar tudo pra minha mae"); and a threatener speaks to the victim about their
# pictures ("tus fotos", "se vc nao pagar vou vazar tudo pra todo mundo"), whose sextortion
# tactics a disclosure would strip.
# English keeps its narrower patterns without these guards.
_NOT_IBERIAN = re.compile(
    r"\b(?:(?:ja){2,}|(?:je){2,}|(?:ji){2,}|(?:ha){2,}|(?:he){2,}|(?:hi){2,}|(?:ho){2,})[a-z]*\b|"
    r"\bjsjs\w*|\bkk+\b|\bahah\w*|\brsrs\w*|\blol\b|\bxd\b|"
    r"\b(?:te|lhe) (?:he |ha |voy a |vou |tengo que )?(?:pasado|mandado|ensenado|mostrado|"
    r"enviado|mando|paso|envio|mandei|passei)\b[^.!?]{0,20}\b(?:mis|minhas|meus) (?:fotos|videos)|"
    r"\b(?:voy a|vou|vamos a|vamos) (?:\w+ )?(?:publicar|subir|pasar|mandar|ensenar|mostrar|"
    r"postar|vazar|espalhar|divulgar|expor|difundir|filtrar|compartir|compartilhar|partilhar|"
    r"colgar|escrachar|enviar)\b|\b(?:voy a|vou) contar(?:le)? (?:a |pra |para )?(?:tua|sua|tu)\b|"
    r"\b(?:tus|tuas|suas) fotos\b|\b(?:tu|teu|seu) video\b|\bte (?:amenazo|ameaco)\b"
)
_ENGLISH_RE = re.compile(_ENGLISH)
_IBERIAN_RE = re.compile(_IBERIAN)


def is_disclosure(text: str) -> bool:
    """Whether normalised text tells of a threat its writer received."""
    if _ENGLISH_RE.search(text) is not None:
        return True
    return _IBERIAN_RE.search(text) is not None and _NOT_IBERIAN.search(text) is None
