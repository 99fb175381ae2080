"""Ages and childhood people state about themselves in chat, in English, Spanish and
Portuguese: "i'm 14", "15 u?", "f16", "year 8", "7th grade", "tengo 13 años", "tenho 12
anos", "estoy en sexto", "to no 8 ano"; and cues that the sender is a child without an age:
a parent's permission ("my mum says", "mi mamá no me deja", "minha mãe não deixa") or school
("homework", "la tarea", "lição de casa").

Used as signals for the conversation model (an adult towards a minor weighs more; two
15-year-olds less); never as a verdict. Platforms that know ages pass them in
`participants`, which wins. Text here is normalised (normalize.py): lower case, accents
dropped ("años" is "anos"), number words as digits."""

from __future__ import annotations

import re

_NOT_AGE = (
    r"(?!\s*(?:min|mins|minutes|hours?|hrs?|secs?|seconds|%|\$|dollars|k\b|am\b|pm\b|"
    r"o'?clock|days?|weeks?|months?|miles?|km|times|th|st|nd|rd|ft|lbs?|kg|cm|feet|"
    r"followers|people|of|out of|x\b|/10|reais|pesos|euros|dias|horas|minutos|meses|"
    r"semanas|seguidores|vezes|veces|mil\b|k\b|hs?\b))"
)
_SELF = re.compile(
    r"\b(?:i'?m|im|i am|i'?m only|im only|i am only|i just turned|just turned|i turn|"
    r"i'?m turning|im turning|me)\s+(\d{1,2})\b"
    + _NOT_AGE
    + r"|\b(\d{1,2})\s*(?:yrs?|years?|y/?o|yo)(?: old)?\b"
    + r"|\b(?:age|aged)\s*:?\s*(\d{1,2})\b"
    + _NOT_AGE
    + r"|^\s*(\d{1,2}) (?:too|as well|also|tambien|tb|tmb|tambem|tbm)\b"
    + r"|(?:^|\s)[mf]\s?(\d{2})\b|\b(\d{2})\s?/?\s?[mf]\b(?!\w)"
    # Spanish: "tengo 13 (años)", "cumplo 14", "ya tengo 12"; Portuguese: "tenho 13 (anos)",
    # "fiz 14", "faço 15"
    + r"|\b(?:tengo|cumplo|cumpli|tenho|fiz|faco|faço)\s+(\d{1,2})\b"
    + _NOT_AGE
    + r"|\b(\d{1,2})\s*(?:anos|anitos|aninhos)\b"
)
_GRADE = re.compile(
    r"\b(?:i'?m|im|i am) in (?:the )?(\d{1,2})(?:th|st|nd|rd)? grade\b|\b(?:i'?m|im|i am) in "
    r"grade (\d{1,2})\b|\b(?:i'?m|im|i am) (?:in )?(?:a )?(\d{1,2})(?:th|st|nd|rd) grader\b"
    r"|\b(?:i'?m|im|i am|we'?re|were) in year (\d{1,2})\b|^\s*year (\d{1,2})\b"
    # Spanish "voy en / estoy en 6to (de primaria | grado)"; Portuguese "to no 8 ano",
    # "estou no 7o ano", "faço o 6 ano"
    r"|\b(?:voy en|estoy en|curso)\s+(\d{1,2})(?:o|to|ro|do|vo|no|mo|er)?\b\s*(?:de primaria|"
    r"grado|basico|b)\b"
    r"|\b(?:to|tou|estou|estudo|faco)\s+n?o?\s*(?:o\s+)?(\d{1,2})(?:o|a)?\s*ano\b"
)
# Secondary school years in Spanish: "1ro/2do/3ro de secundaria" (12-15), "de la secu".
_SECUNDARIA = re.compile(r"\b(\d)(?:o|ro|do|er|to)? de (?:secundaria|secu|la secu)\b")
_WORD_GRADE = re.compile(
    r"\b(?:voy en|estoy en|curso|to no|estou no|tou no)\s+(primero|segundo|tercero|cuarto|quinto|"
    r"sexto|septimo|octavo|noveno|primeiro|terceiro|quarto|setimo|oitavo|nono)\b"
)
_ORDINALS = {
    "primero": 1,
    "primeiro": 1,
    "segundo": 2,
    "tercero": 3,
    "terceiro": 3,
    "cuarto": 4,
    "quarto": 4,
    "quinto": 5,
    "sexto": 6,
    "septimo": 7,
    "setimo": 7,
    "octavo": 8,
    "oitavo": 8,
    "noveno": 9,
    "nono": 9,
}
# A reply to "how old are you?" is often just the number: "14", "14 u?", "14 wbu", "13 y tu".
_BARE = re.compile(
    r"^\s*(\d{1,2})\s*(?:lol|haha|jaja|kkk+|u\??|you\??|wbu\??|hbu\??|and u\??|"
    r"and you\??|y tu\??|y vos\??|e vc\??|e voce\??|e tu\??|,|\.|!|\?)*\s*$"
)
# The sender is a child: a parent's say over them, or school as their day.
_MINOR_CUES = re.compile(
    r"\b(?:my (?:mum|mom|mam|dad|parents|mother|father)(?:'?s)? (?:says?|said|wont let|won'?t "
    r"let|doesn'?t let|dont let|don'?t let|took|takes|grounded|checks)|i'?m grounded|"
    r"im grounded|homework|hw due|my teacher|at recess|after school|school tomorrow|"
    r"in class|year \d{1,2}\b|\d{1,2}(?:th|st|nd|rd) grade|"
    r"mi (?:mama|papa|ma|pa|madre|padre|jefa)s? (?:dice|dijo|no me deja|me quito|me castigo|"
    r"me revisa)|estoy castigad|la tarea|el cole\b|la escuela|la prepa\b|la secu\b|"
    r"el recreo|mi profe|"
    r"minha (?:mae|mamae)|meu (?:pai|painho)|(?:mae|pai) (?:nao deixa|disse|falou|pegou|"
    r"brigou)|to de castigo|estou de castigo|licao de casa|dever de casa|tarefa de casa|"
    r"na escola|no colegio|minha professora|meu professor|no recreio)"
)


def stated_age(text: str, *, answering_age_question: bool = False) -> int | None:
    """The sender's own age if this normalised message states it, else None."""
    match = _SELF.search(text)
    if match:
        value = next(int(g) for g in match.groups() if g is not None)
        if 8 <= value <= 99:
            return value
    grade = _GRADE.search(text)
    if grade:
        groups = grade.groups()
        for position, found in enumerate(groups):
            if found is not None:
                number = int(found)
                # US grade N / Spanish and Portuguese year N: about N + 5; UK year N: N + 4
                offset = 4 if position in (3, 4) else 5
                if 1 <= number <= 13:
                    return number + offset
    secundaria = _SECUNDARIA.search(text)
    if secundaria and 1 <= int(secundaria.group(1)) <= 3:
        return int(secundaria.group(1)) + 11
    word = _WORD_GRADE.search(text)
    if word:
        return _ORDINALS[word.group(1)] + 5
    if answering_age_question:
        bare = _BARE.match(text)
        if bare and 8 <= int(bare.group(1)) <= 99:
            return int(bare.group(1))
    return None


def minor_cue(text: str) -> bool:
    """Whether this normalised message sounds like a child's: a parent's permission or
    school as the sender's day."""
    return _MINOR_CUES.search(text) is not None
