"""One interview: plan the exchanges, ask the guide's questions, answer from the banks."""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo_corpus import guide, phrases
from demo_corpus.entries import CODE_KEYS, Entry, banks, strip_tags, tags_ok
from demo_corpus.people import Persona, weighted
from demo_corpus.voice import Voice

#: Words per document (whitespace-separated, labels included) the generator aims between.
WORD_RANGE = (2650, 5650)
#: Exchanges (question and answer) per interview.
EXCHANGE_RANGE = (21, 39)


@dataclass
class Sentence:
    text: str
    codes: tuple[str, ...] = ()


@dataclass
class Turn:
    speaker: str  # "Interviewer" or "Respondent"
    paragraphs: list[list[Sentence]]


class Interview:
    """Builds one interview: plan the exchanges, ask, answer, assemble text and offsets."""

    def __init__(self, persona: Persona, seed: int):
        self.p = persona
        self.rng = random.Random(f"cotag-demo/{seed}/{persona.id}")
        self.voice = Voice(persona, self.rng)
        self.used: set[tuple[str, int]] = set()
        self.banks = banks()

    # picking entries ---------------------------------------------------------
    def eligible(self, bank: str) -> list[Entry]:
        tags = self.p.tags
        return [e for e in self.banks.get(bank, ()) if e.tags <= tags and e.needs <= tags]

    def pick(self, bank: str, fresh_only: bool = False) -> Entry | None:
        options = self.eligible(bank)
        fresh = [e for e in options if (e.bank, e.index) not in self.used]
        if fresh:
            options = fresh
        elif fresh_only:
            return None
        if not options:
            return None
        entry = self.rng.choice(options)
        self.used.add((entry.bank, entry.index))
        return entry

    def render(self, entry: Entry, vary: bool = False) -> list[Sentence]:
        out = []
        for codes, template in entry.parts:
            text = self.voice.fill(template)
            if vary and codes and len(entry.parts) == 1:
                text = self.voice.vary(text)
            out.append(Sentence(text, codes))
        return out

    # answers -----------------------------------------------------------------
    def choose_code(self, topic: guide.Topic) -> str:
        w = self.p.weights
        if self.rng.random() < 0.1 or not topic.codes:
            pairs = [(c, w[c]) for c in CODE_KEYS]
        else:
            pairs = [(c, topic.codes[c] * w[c]) for c in topic.codes]
        return weighted(self.rng, pairs)

    def coded(self, topic: guide.Topic) -> list[Sentence]:
        for _ in range(6):
            code = self.choose_code(topic)
            entry = self.pick("code:" + code, fresh_only=True)
            if entry is not None:
                return self.render(entry, vary=True)
        entry = self.pick("code:" + self.choose_code(topic))
        return self.render(entry, vary=True) if entry else []

    def on_topic(self, topic: guide.Topic) -> list[Sentence]:
        """A direct answer: a sentence on one of the topic's two main themes."""
        main = sorted(topic.codes, key=lambda c: -topic.codes[c])[:2]
        code = weighted(self.rng, [(c, topic.codes[c] * self.p.weights[c]) for c in main])
        entry = self.pick("code:" + code, fresh_only=True)
        return self.render(entry, vary=True) if entry else []

    def pair(self, topic: guide.Topic) -> list[Sentence]:
        options = [e for e in self.eligible("pairs") if (e.bank, e.index) not in self.used
                   and any(c in topic.codes for c in e.codes)]
        if not options:
            return []
        entry = self.rng.choice(options)
        self.used.add((entry.bank, entry.index))
        return self.render(entry)

    def neutral(self, topic: guide.Topic) -> list[Sentence]:
        banks_for_topic = ["talk:" + topic.talk]
        if topic.key == "intro":
            banks_for_topic.append("work:" + phrases.OCCUPATION_FAMILY.get(self.p.occupation, "office"))
        if topic.key == "city":
            banks_for_topic.append("city:" + (self.p.city or self.p.birth_city))
        self.rng.shuffle(banks_for_topic)
        for bank in banks_for_topic:
            entry = self.pick(bank, fresh_only=True)
            if entry is not None:
                return self.render(entry, vary=True)
        return self.filler()

    def filler(self) -> list[Sentence]:
        entry = self.pick("fillers")
        return self.render(entry) if entry else []

    def answer(self, topic: guide.Topic, budget: int, main: bool) -> list[list[Sentence]]:
        rng = self.rng
        sentences: list[Sentence] = []
        if main and rng.random() < 0.3:
            sentences += self.render(self.pick("openers"))
        words = sum(len(s.text.split()) for s in sentences)
        second_thoughts = topic.key in ("plans", "stay") and rng.random() < 0.45
        minimum = 2 if topic.key != "closing" else 1
        if main and topic.key == "intro":
            sentences += self.render(self.pick("talk:intro_first"))
            sentences += self.neutral(topic)
        elif topic.codes and rng.random() < 0.7:
            sentences += self.on_topic(topic)
        words = sum(len(s.text.split()) for s in sentences)
        while words < budget or len(sentences) < minimum:
            r = rng.random()
            if r < 0.42:
                new = self.coded(topic)
                if new and rng.random() < 0.15:
                    entry = self.pick("hedges", fresh_only=True)
                    if entry:
                        new += self.render(entry)
            elif r < 0.48:
                new = self.pair(topic) or self.coded(topic)
            elif r < 0.87:
                new = self.neutral(topic)
            elif second_thoughts and len(sentences) > 2:
                new = self.render(self.pick("second"))
                second_thoughts = False
            else:
                new = self.filler()
            sentences += new
            words += sum(len(s.text.split()) for s in new)
        paragraphs = [sentences]
        if len(sentences) >= 7 and rng.random() < 0.35:
            cut = rng.randint(3, len(sentences) - 3)
            paragraphs = [sentences[:cut], sentences[cut:]]
        return paragraphs

    # questions ---------------------------------------------------------------
    def question(self, topic: guide.Topic, main: bool, first: bool) -> str:
        rng = self.rng
        if main:
            options = [q for q in topic.questions if tags_ok(q, self.p.tags)]
            text = self.voice.fill(strip_tags(rng.choice(options)))
            if not first:
                lead = ""
                r = rng.random()
                if r < 0.4:
                    lead = rng.choice(guide.ACKNOWLEDGEMENTS) + " "
                elif r < 0.55:
                    lead = rng.choice(("Let us move on.", "Now a different topic.",
                                       "I would like to ask about something else.",
                                       "Let me turn to another question.")) + " "
                text = lead + text
            return text
        fresh = [f for f in topic.followups if ("q", topic.key, f) not in self.used]
        if fresh and rng.random() < 0.65:
            choice = rng.choice(fresh)
            self.used.add(("q", topic.key, choice))  # type: ignore[arg-type]
        else:
            generic = [f for f in guide.GENERIC_FOLLOWUPS if ("q", "*", f) not in self.used]
            choice = rng.choice(generic or list(guide.GENERIC_FOLLOWUPS))
            self.used.add(("q", "*", choice))  # type: ignore[arg-type]
        text = self.voice.fill(choice)
        if rng.random() < 0.3:
            text = rng.choice(guide.ACKNOWLEDGEMENTS) + " " + text
        return text

    # the whole interview -------------------------------------------------------
    def plan(self) -> list[tuple[guide.Topic, bool]]:
        rng = self.rng
        topics = guide.EXPERT_TOPICS if self.p.group == "expert" else guide.GRADUATE_TOPICS
        chosen = [t for t in topics if t.probability >= 1.0 or rng.random() < t.probability]
        target = rng.randint(*EXCHANGE_RANGE) - 1  # the closing thanks is one more exchange
        counts = {t.key: 1 for t in chosen}
        spare = {t.key: t.max_followups for t in chosen}
        while sum(counts.values()) < target:
            open_topics = [t for t in chosen if spare[t.key] > 0]
            if not open_topics:
                open_topics = [t for t in chosen if t.key not in ("intro", "closing")]
            t = rng.choice(open_topics)
            counts[t.key] += 1
            spare[t.key] -= 1
        plan: list[tuple[guide.Topic, bool]] = []
        for t in chosen:
            plan.append((t, True))
            plan += [(t, False)] * (counts[t.key] - 1)
        return plan

    def build(self) -> tuple[list[Turn], int]:
        rng = self.rng
        plan = self.plan()
        questions = [self.question(t, main, i == 0) for i, (t, main) in enumerate(plan)]
        closing_q = rng.choice(guide.CLOSING_THANKS)
        closing_a = rng.choice(guide.FINAL_REPLIES)
        fixed = sum(len(q.split()) + 1 for q in questions) + len(closing_q.split()) + len(closing_a.split()) + 2
        target = rng.randint(*WORD_RANGE)
        budget_total = max(1500, target - fixed - len(plan))
        shares = [t.length * (1.0 if main else 0.6) * rng.uniform(0.6, 1.45) for t, main in plan]
        scale = budget_total / sum(shares)
        turns: list[Turn] = []
        for (t, main), q, share in zip(plan, questions, shares):
            turns.append(Turn("Interviewer", [[Sentence(q)]]))
            turns.append(Turn("Respondent", self.answer(t, int(share * scale), main)))
        turns.append(Turn("Interviewer", [[Sentence(closing_q)]]))
        turns.append(Turn("Respondent", [[Sentence(closing_a)]]))
        self.fit(turns, plan)
        return turns, len(plan) + 1

    def fit(self, turns: list[Turn], plan) -> None:
        """Keep the document inside WORD_RANGE: trim long answers or add to short ones."""
        def total() -> int:
            return sum(len(s.text.split()) + 0 for t in turns for para in t.paragraphs for s in para) + len(turns)

        answers = [i for i in range(1, len(turns) - 2, 2)]
        while total() > WORD_RANGE[1]:
            i = max(answers, key=lambda k: sum(len(p) for p in turns[k].paragraphs))
            if sum(len(p) for p in turns[i].paragraphs) <= 3:
                break
            last = turns[i].paragraphs[-1]
            last.pop()
            if not last:
                turns[i].paragraphs.pop()
        while total() < WORD_RANGE[0]:
            i = self.rng.choice(answers)
            topic = plan[i // 2][0]
            turns[i].paragraphs[-1].extend(self.coded(topic) if self.rng.random() < 0.5 else self.neutral(topic))
