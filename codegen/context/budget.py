"""A context within a token budget: pieces taken by rank until it is spent, shown in file order."""

from __future__ import annotations

from dataclasses import dataclass, field

# Tokens are counted approximately, as characters / 4 (OpenAI's rule of thumb for English and code):
# no tokenizer is loaded, and the count never depends on the endpoint's model.
CHARS_PER_TOKEN = 4


def approximate_tokens(text: str) -> int:
    """Tokens in `text`, approximately: characters / 4, rounded up."""
    return -(-len(text) // CHARS_PER_TOKEN)


@dataclass(frozen=True)
class ContextPiece:
    """One thing shown to the model: an import block, a signature, a helper's body, a fixture."""

    kind: str  # "imports", "function", "class", "helper", "constant", "fixture", "test", ...
    name: str
    text: str
    order: int  # where it stands in its file, so chosen pieces are shown in the file's order


@dataclass
class Context:
    """The pieces chosen so far and what was left out; `add` refuses a piece over the budget."""

    budget_tokens: int
    pieces: list[ContextPiece] = field(default_factory=list)
    left_out: int = 0  # candidates that did not fit
    notes: list[str] = field(default_factory=list)  # what the model should know about the source
    _used: int = 0

    @property
    def used_tokens(self) -> int:
        return self._used

    @property
    def room(self) -> int:
        return self.budget_tokens - self._used

    def add(self, piece: ContextPiece) -> bool:
        """Take `piece` when it fits in what is left of the budget (its separator counted)."""
        cost = approximate_tokens(piece.text + "\n\n")
        if cost > self.room:
            self.left_out += 1
            return False
        self.pieces.append(piece)
        self._used += cost
        return True

    def add_always(self, piece: ContextPiece) -> None:
        """Take `piece` whatever its size: for headers whose room the caller reserved."""
        self.pieces.append(piece)
        self._used += approximate_tokens(piece.text + "\n\n")

    def note(self, text: str) -> None:
        """Tell the model something about the source (counted against the budget, always kept)."""
        self.notes.append(text)
        self._used += approximate_tokens(f"# Note: {text}\n")

    def text(self) -> str:
        """The chosen pieces in file order, notes first; "" when nothing was chosen."""
        if not self.pieces:
            return ""
        ordered = sorted(self.pieces, key=lambda piece: piece.order)
        body = "\n\n".join(piece.text.rstrip() for piece in ordered)
        return "".join(f"# Note: {note}\n" for note in self.notes) + body

    def summary(self) -> dict:
        """What traces record: names, kinds and sizes, never the text."""
        return {
            "budget_tokens": self.budget_tokens,
            "tokens": approximate_tokens(self.text()),
            "pieces": [
                {"kind": piece.kind, "name": piece.name, "chars": len(piece.text)}
                for piece in sorted(self.pieces, key=lambda piece: piece.order)
            ],
            "left_out": self.left_out,
            "notes": list(self.notes),
        }
