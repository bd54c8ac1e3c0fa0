"""The interview guide the demo generator follows: topics, question wordings, follow-ups, themes.

Each topic lists alternative wordings of its main question, follow-up
questions, the themes answers to it tend to touch (with weights), the bank of
uncoded talk it draws on, how often it is asked and how long answers run.
Questions use the entry syntax of :mod:`cotag.demo.phrases` (tags, slots,
alternatives); they are never coded.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topic:
    key: str
    questions: tuple[str, ...]
    followups: tuple[str, ...] = ()
    codes: dict[str, float] = field(default_factory=dict)
    talk: str = ""
    probability: float = 1.0
    length: float = 1.0
    max_followups: int = 2


ACKNOWLEDGEMENTS = (
    "I see.", "Thank you.", "That is interesting.", "Right.", "Understood.", "Yes, I follow.",
    "Thank you, that is very clear.", "I understand.", "Good, thank you.", "Interesting.",
    "Thank you for being so open.", "Yes.", "Okay.", "Mm, I see.",
)

GENERIC_FOLLOWUPS = (
    "Could you say more about that?",
    "Why do you think that is?",
    "Can you give an example?",
    "What do you mean exactly?",
    "How does that affect you personally?",
    "Is that common among the people you know?",
    "Has that changed in recent years?",
    "How did you feel about that?",
    "And what happened next?",
    "What do your colleagues think about it?",
    "Could you explain that a bit more?",
    "Could you tell me a bit more about that?",
    "Why is that important to you?",
    "Is that your own experience or something you have heard?",
    "Would others in {home} agree with you, do you think?",
)

OPENING = (
    "Thank you for agreeing to talk. {As I said on the phone|As I mentioned in my letter|As we agreed}, "
    "the interview is anonymous and you can skip any question. "
    "{Could you start by telling me about your work?|Could you begin by telling me what you do?|"
    "Let us start with your work, what do you do?}"
)

EXPERT_TOPICS: tuple[Topic, ...] = (
    Topic("intro", (OPENING,),
          ("How long have you been in this position?", "What do you like most about the work?",
           "And how did you come to this profession?"),
          {"employment": 0.4, "wages": 0.3, "patriotism": 0.2}, "intro", 1.0, 0.9, 2),
    Topic("city", (
        "How would you describe life in {home} today?",
        "What is it like to live in {home} these days?",
        "Tell me a little about your city, how has it changed?",
        "If a stranger asked you about life in {home}, what would you say?",
    ), ("What do people here complain about most?", "And what do you like about living here?"),
        {"living-standards": 1.0, "homeland": 0.6, "way-of-life": 0.6, "development": 0.3,
         "permanent-emigration": 0.3}, "city", 0.9, 0.9, 1),
    Topic("salaries", (
        "Let us talk about salaries. How do pay levels in your field compare with the cost of living?",
        "How would you assess salaries in your sector?",
        "Is it possible to live on an average salary in {home}?",
        "What about wages, are people in your profession paid fairly?",
        "How do people you know manage financially?",
    ), ("How much does a young specialist earn, roughly?", "And how does that compare with other countries?",
        "Do people take second jobs?"),
        {"wages": 3.0, "pull-wages": 1.5, "living-standards": 0.8, "temporary-migration": 0.3,
         "permanent-emigration": 0.3}, "salaries", 1.0, 1.1, 2),
    Topic("jobs", (
        "What are the chances for a young specialist to find a good job here?",
        "How easy is it to build a career in your field?",
        "How do people usually get good positions in your sector?",
        "Is it easy for graduates to find work that matches their training?",
    ), ("Why is that so, in your opinion?", "Is it different in other countries?",
        "What about your own career?"),
        {"employment": 3.0, "career-prospects": 1.2, "corruption": 0.7, "recognition": 0.4,
         "self-realisation": 0.4}, "jobs", 1.0, 1.1, 2),
    Topic("education", (
        "How do you assess the quality of education, in schools and universities?",
        "What do you think of our universities today?",
        "How good is the education young people get here?",
        "Let us talk about education. What works and what does not?",
    ), ("Why do parents send children abroad to study?", "And what about teachers' pay?",
        "Do many school-leavers from {home} study elsewhere?"),
        {"education-quality": 3.0, "educational-migration": 1.5, "quality-services": 0.7,
         "corruption": 0.4, "destination": 0.3}, "education", 1.0, 1.1, 2),
    Topic("health", (
        "How satisfied are people with healthcare and social support?",
        "What about healthcare and social protection, how do they work for ordinary people?",
        "If someone in your family falls ill, what happens?",
        "How would you describe the quality of life here, beyond salaries?",
    ), ("Do people go abroad for treatment?", "What about pensions?"),
        {"living-standards": 3.0, "quality-services": 1.2, "corruption": 0.4, "development": 0.3},
        "health", 0.9, 1.0, 1),
    Topic("corruption", (
        "Many people mention corruption. How does it affect everyday life, in your view?",
        "How well are people's rights protected here?",
        "What is your view on corruption and the rule of law?",
        "If someone's rights are violated, can they defend them?",
    ), ("Has it changed in recent years?", "How is it abroad, from what you know?"),
        {"corruption": 3.0, "lower-corruption": 1.0, "hope-reforms": 0.5, "permanent-emigration": 0.2},
        "corruption", 1.0, 1.0, 2),
    Topic("youth", (
        "Do many people from {home} leave the country?",
        "Who leaves, in your experience, and why?",
        "What do young people in {home} think about leaving?",
        "Are people around you leaving, or thinking about it?",
    ), ("Do they come back?", "Where do they usually go?", "Is it mostly the young who leave?"),
        {"permanent-emigration": 1.6, "educational-migration": 1.4, "temporary-migration": 1.0,
         "destination": 1.0, "wages": 0.4, "employment": 0.4, "ethnic-language": 0.4},
        "youth", 1.0, 1.1, 2),
    Topic("language", (
        "Some people mention language and ethnic questions. Do they play a role in decisions to leave?",
        "How do people of different nationalities in {home} feel about their future here?",
        "Does language policy affect people's plans, in your view?",
    ), ("Is that more common among older or younger people?",),
        {"ethnic-language": 3.0, "homeland": 0.6, "permanent-emigration": 0.6, "destination": 0.5},
        "language", 0.55, 0.9, 1),
    Topic("recognition", (
        "Are qualifications and professional titles properly recognised here?",
        "Does the system value professionals like you?",
        "How is professional expertise valued in your field?",
    ), ("Is that different abroad?",),
        {"recognition": 3.0, "self-realisation": 0.8, "career-prospects": 0.6}, "recognition", 0.5, 0.9, 1),
    Topic("family", (
        "Tell me about your family. Where do your relatives live?",
        "How does your family feel about the idea of leaving?",
        "Do you have relatives abroad?",
        "What role does family play in decisions like moving?",
    ), ("How would your parents feel if you left?", "Do your relatives abroad plan to return?"),
        {"family-ties": 3.0, "permanent-emigration": 0.7, "way-of-life": 0.5, "destination": 0.4,
         "temporary-migration": 0.3}, "family", 1.0, 1.0, 2),
    Topic("plans", (
        "Have you ever thought about leaving Kazakhstan yourself?",
        "What about you personally, would you consider moving abroad?",
        "Do you have any plans to move, to another city or another country?",
        "If you had the chance, would you leave?",
    ), ("Permanently or for a while?", "What stops you?", "When did you first think about it?"),
        {"permanent-emigration": 2.0, "temporary-migration": 1.2, "family-ties": 0.8,
         "way-of-life": 0.6, "pull-wages": 0.5, "self-realisation": 0.4, "homeland": 0.4},
        "plans", 1.0, 1.1, 3),
    Topic("destination", (
        "If you or your children left, where would you go?",
        "Which countries attract people from {home}?",
        "Where do people prefer to go, and why there?",
    ), ("Why that country?", "What do people know about life there?"),
        {"destination": 3.0, "development": 1.0, "pull-wages": 0.8, "quality-services": 0.6,
         "lower-corruption": 0.5, "career-prospects": 0.5}, "destination", 1.0, 1.0, 2),
    Topic("stay", (
        "What would make you, or people like you, stay?",
        "What could the state do so that specialists do not leave?",
        "What keeps you here?",
        "What would need to change for people to stop leaving?",
    ), ("Which of these matters most?", "Do you think that is realistic?"),
        {"hope-reforms": 1.5, "patriotism": 1.4, "homeland": 1.0, "family-ties": 0.8, "wages": 0.6,
         "corruption": 0.4, "way-of-life": 0.6}, "stay", 1.0, 1.1, 2),
    Topic("future", (
        "How do you see the country in ten years?",
        "Are you optimistic about the future here?",
        "What do you expect from the reforms that are being announced?",
    ), ("What worries you most?",),
        {"hope-reforms": 1.6, "political-instability": 1.6, "development": 0.4, "patriotism": 0.4},
        "future", 0.85, 1.0, 1),
    Topic("circulation", (
        "Some call this a brain drain. Do you agree?",
        "Is the departure of specialists a loss for the country, or can it be a gain?",
        "Do people who leave keep any connection with Kazakhstan?",
    ), ("What would help people come back?",),
        {"brain-circulation": 2.5, "permanent-emigration": 0.6, "patriotism": 0.5,
         "educational-migration": 0.4}, "circulation", 0.7, 0.9, 1),
    Topic("closing", (
        "We are almost at the end. Is there anything you would like to add?",
        "Is there anything important I have not asked about?",
        "Thank you, those were all my questions. Would you like to add anything?",
    ), (),
        {"patriotism": 0.5, "homeland": 0.5, "hope-reforms": 0.5}, "closing", 1.0, 0.45, 0),
)

GRADUATE_TOPICS: tuple[Topic, ...] = (
    Topic("intro", (OPENING,),
          ("And what did you study?", "How long have you been in this job?"),
          {"employment": 0.3, "career-prospects": 0.3, "self-realisation": 0.3}, "intro", 1.0, 0.9, 1),
    Topic("study", (
        "Why did you decide to study abroad?",
        "How did you choose {degree_country} and your university?",
        "Tell me about your {degree} studies, how did it start?",
        "What made you apply to a foreign university?",
    ), ("Did you have a scholarship?", "How did your family react?"),
        {"educational-migration": 2.5, "education-quality": 1.2, "quality-services": 1.0,
         "self-realisation": 0.8, "career-prospects": 0.5}, "study", 1.0, 1.1, 2),
    Topic("abroad", (
        "What was life like in {degree_country}?",
        "What surprised you most while you were abroad?",
        "How did living abroad change you?",
    ), ("What did you miss from home?", "What would you bring back from there?"),
        {"development": 1.6, "lower-corruption": 1.0, "quality-services": 1.0, "pull-wages": 0.6,
         "homeland": 0.6, "self-realisation": 0.6}, "abroad", 1.0, 1.1, 2),
    Topic("return", (
        "@K How was it to come back after your studies?",
        "@K Why did you decide to return?",
        "@A Why did you decide to stay abroad after your degree?",
        "@A How did you end up staying in {residence}?",
    ), ("Was your degree recognised at home?", "How did employers react to your foreign diploma?"),
        {"recognition": 2.0, "brain-circulation": 1.5, "employment": 1.0, "patriotism": 0.8,
         "family-ties": 0.6, "career-prospects": 0.6}, "return", 1.0, 1.1, 2),
    Topic("salaries", (
        "How do salaries at home compare with what you saw abroad?",
        "Let us talk about money. Is pay the main issue for people like you?",
        "What could someone with your degree earn in Kazakhstan and abroad?",
    ), ("Is it only about money?",),
        {"wages": 2.2, "pull-wages": 2.2, "living-standards": 0.5}, "salaries", 1.0, 1.0, 2),
    Topic("career", (
        "How do you see your career prospects?",
        "Where can you grow professionally, at home or abroad?",
        "Does your work let you use what you learned?",
    ), ("What would an ideal job look like for you?",),
        {"career-prospects": 2.2, "self-realisation": 1.5, "employment": 1.2, "recognition": 0.6,
         "corruption": 0.4}, "jobs", 1.0, 1.0, 2),
    Topic("corruption", (
        "Did you notice differences in how institutions work, here and abroad?",
        "How do you see corruption and the rule of law at home?",
        "Is fairness an issue for people like you?",
    ), ("Can you give an example?",),
        {"corruption": 2.0, "lower-corruption": 1.8, "hope-reforms": 0.4}, "corruption", 0.85, 1.0, 1),
    Topic("unrest", (
        "How did the January 2022 events affect you and people you know?",
        "Did the unrest in January change your plans?",
        "Where were you during the January events, and how did you see them?",
    ), ("Did anyone you know leave after that?", "Do you feel it is stable now?"),
        {"political-instability": 3.0, "permanent-emigration": 0.8, "hope-reforms": 0.8,
         "ethnic-language": 0.3, "family-ties": 0.3}, "unrest", 0.8, 1.0, 2),
    Topic("family", (
        "What does your family think about where you live?",
        "Tell me about your family, where are they now?",
        "How do family obligations affect your plans?",
    ), ("Would your parents move with you?",),
        {"family-ties": 3.0, "homeland": 0.6, "permanent-emigration": 0.4, "way-of-life": 0.4},
        "family", 1.0, 1.0, 1),
    Topic("plans", (
        "Are you ready to relocate, or to stay where you are?",
        "Would you move abroad permanently if you had the chance?",
        "What are your plans for the next five years?",
        "@A Do you plan to return to Kazakhstan at some point?",
    ), ("Permanently or temporarily?", "What would be the decisive factor?", "Have you taken any steps?"),
        {"permanent-emigration": 2.2, "temporary-migration": 1.3, "brain-circulation": 0.6,
         "family-ties": 0.5, "career-prospects": 0.5}, "plans", 1.0, 1.1, 3),
    Topic("destination", (
        "If you moved, which country would you choose?",
        "Where would you prefer to live, and why there?",
        "Which countries do your classmates move to?",
    ), ("Why that country rather than another?",),
        {"destination": 3.0, "development": 1.0, "pull-wages": 0.8, "career-prospects": 0.6,
         "quality-services": 0.5}, "destination", 1.0, 1.0, 1),
    Topic("stay", (
        "What would keep you in Kazakhstan, or bring you back?",
        "What should change so that graduates like you want to work at home?",
        "What could the state offer people with foreign degrees?",
    ), ("Which of those matters most to you?",),
        {"hope-reforms": 1.5, "patriotism": 1.3, "homeland": 1.0, "family-ties": 0.6,
         "recognition": 0.5, "wages": 0.5}, "stay", 1.0, 1.1, 2),
    Topic("circulation", (
        "Do you think graduates abroad can still contribute to the country?",
        "Is the outflow of graduates a brain drain, in your view?",
        "How do you stay connected with colleagues at home?",
    ), ("What would make that easier?",),
        {"brain-circulation": 2.5, "patriotism": 0.6, "permanent-emigration": 0.5}, "circulation", 0.8, 1.0, 1),
    Topic("closing", EXPERT_TOPICS[-1].questions, (),
          {"patriotism": 0.5, "homeland": 0.5, "hope-reforms": 0.5}, "closing", 1.0, 0.45, 0),
)

CLOSING_THANKS = (
    "Thank you very much for your time, this was very helpful.",
    "Thank you, that is all from my side. I really appreciate it.",
    "Thank you so much, I will stop the recording now.",
    "Many thanks, this was a very interesting conversation.",
)

FINAL_REPLIES = (
    "You are welcome, good luck with your research.",
    "Thank you too, it was a pleasure.",
    "Not at all, I hope it helps.",
    "You are welcome, and send me the results if you can.",
)
