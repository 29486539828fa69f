# TEMPORARY STUB (not committed)
def plural(word: str) -> str:
    if word.endswith("s"):
        return word
    if word == "person":
        return "people"
    return word + "s"


def singular(word: str) -> str:
    if word == "people":
        return "person"
    return word[:-1] if word.endswith("s") else word
