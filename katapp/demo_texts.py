"""Journal entries for the demo clinic, written for it: one list per point in a patient's story.

`katapp/demo.py` picks from the list that fits the moment (after the first session, early in the
series, later in a series that is helping, a series that is not, after the series, a setback),
taking each list in turn so the clinic shows every entry before any repeats. They are a patient's
own words: what they noticed, never a clinical verdict.
"""
from __future__ import annotations

FIRST = (
    "First session today. I was more nervous in the waiting room than during it. The music helped. "
    "Mostly I remember colours and a feeling of floating above the chair. Tired now.",
    "Strange afternoon. For a while I couldn't feel where my hands ended. The nurse checked on me "
    "every few minutes, which I was grateful for. I don't know what I expected. Not this.",
    "Did the first one. Felt a bit sick on the way home but it passed. My partner made soup. "
    "I'm not going to pretend I understand what happened in there yet.",
    "I kept waiting for something big to happen and it didn't. It was quiet. Quiet in my head is "
    "unusual, so maybe that was the big thing.",
    "The first session brought up my grandmother's kitchen out of nowhere. I cried a little on the "
    "drive home, but not the bad kind of crying.",
    "Honestly I felt disconnected and a bit frightened for the first twenty minutes. Breathing "
    "slowly like they suggested helped. I want to ask if the music can be quieter next time, which "
    "sounds silly written down.",
    "Home, eaten, going to bed early. Too tired to write much. The drive was long.",
)

EARLY = (
    "Second session was easier because I knew what was coming. I noticed I stopped fighting it "
    "about halfway through.",
    "Slept nine hours last night, which hasn't happened in months. Not sure if that is the session "
    "or just exhaustion. Writing it down anyway.",
    "Today I watched my thoughts from a distance instead of being inside them. The distance didn't "
    "last after I got home, but I know now that it exists.",
    "Mood about the same as last week. I'm trying not to measure every hour. My therapist said "
    "the change, if it comes, is often gradual.",
    "Felt irritable this evening and snapped at my son over homework. Apologised. I think I'm "
    "expecting too much too quickly.",
    "An image of a door standing open kept coming back. In integration I want to talk about what "
    "might be on the other side, and why I didn't want to look.",
    "The headache afterwards was worse this time. Water and a dark room helped. Otherwise "
    "uneventful, which I'm oddly fine with.",
    "Went for a short walk after dinner, my idea, not because anyone told me to. Small, but it's "
    "the first time in a while.",
)

BETTER = (
    "Something has shifted this week. I answered three emails I had been avoiding since September "
    "and nothing terrible happened.",
    "I noticed I was kinder to myself when I made a mistake at work. Usually that mistake would have "
    "followed me around for days.",
    "Called my sister. We talked for an hour and I actually laughed. She said I sounded more like myself.",
    "Cooked a real meal tonight, with vegetables and everything. I wanted to write it down so I "
    "remember what a normal evening feels like.",
    "The heaviness in the mornings is lighter. Not gone. I can get up before the second alarm most days now.",
    "During the session I thought about my father and felt sad rather than angry. That is new and I "
    "don't know what to do with it yet. Bringing it to integration.",
    "Went back to the climbing gym after almost a year. My arms are useless but I stayed the whole hour.",
    "I was worried the good days were a fluke, but there have been four in a row now. Trying to "
    "just notice that without making it mean everything.",
    "Today was ordinary. I did the shopping, answered the phone, watched a film. Ordinary feels "
    "like a lot after this year.",
    "Shared with my care team: the PHQ answers this week were lower and I think they are honest. "
    "I'd like to talk about what happens after the last session.",
)

FLAT = (
    "Another session done. I wish I could say I feel different. Mostly the same grey, maybe a bit "
    "less tense the day after.",
    "I'm frustrated. Other people in the waiting room talk about things opening up. For me it's "
    "a pleasant hour and then back to normal.",
    "Energy low again. I did my check-ins but skipped the walk. I want to ask whether this is "
    "working for me or whether we should try something else.",
    "Sleep is a little better, mood isn't. I'm writing that down so I'm honest about it in the review.",
    "Didn't feel much during the session this time. Drove home, sat in the car for twenty minutes "
    "before going in. Not sure why.",
    "My therapist asked what 'better' would look like. I couldn't answer. Maybe that is the thing "
    "to work on.",
    "A slightly better afternoon after integration. It faded by evening. Still, it was there.",
    "Work was hard this week and I think that swamped anything the sessions are doing. Hard to tell "
    "what's what.",
)

AFTER = (
    "A week or two since the last session. Still mostly steady. I keep the notes from integration "
    "on the fridge.",
    "Back at work full days. Tired by Friday but the normal kind of tired.",
    "Wrote a list of what helps: walking, calling my sister, not reading the news before bed. "
    "Going to keep adding to it.",
    "Had a low day on Sunday and it scared me, but it lifted by Monday. One low day is not the old "
    "months. Writing that down so I believe it.",
    "Went to a friend's birthday and stayed until the end. A year ago I would have cancelled.",
    "Checking in less obsessively with my mood now. I notice it, then I get on with the day.",
    "Something to bring to my next appointment: how to keep this going, and what to watch for.",
    "Baked bread this morning. Flour everywhere and nothing else to think about. A good hour.",
)

SETBACK = (
    "The last few days have been heavier. The old feeling of dread in the mornings is creeping "
    "back. Sharing this so my care team knows.",
    "I stopped going on my walks about a week ago and I can feel the difference. Trying to restart "
    "with ten minutes tomorrow.",
    "Bad week. I cancelled plans twice and spent Saturday in bed. I don't want to pretend it's fine.",
    "Scared that the improvement was temporary. My therapist reminded me a dip isn't the same as "
    "going back to the start. I'm trying to hold onto that.",
    "Sleep has slipped again, awake at 4 most nights. Going to mention it at my appointment.",
    "Booster session today. Less dramatic than the first ones. Calmer afterwards. Hoping it holds "
    "this time.",
    "Somewhere between good and bad today. Managed the laundry and a phone call. Counting that.",
)

ALL = FIRST + EARLY + BETTER + FLAT + AFTER + SETBACK


# The demo clinic's preparation notes per session kind (katapp/preparation.py; admins edit them at
# /admin/preparation). The ketamine fasting hours and the escort are those of the clinic's own pre-dose
# checklist (katapp/domain/dosing.py: the SPRAVATO label's fasting, no driving until the next day after
# a good sleep), so the patient is told what the nurse will tick on the day.
PREP_NOTES = {
    "ketamine": (
        "Eating and drinking: nothing to eat for 2 hours before your session and nothing to drink for the "
        "last 30 minutes. Some people feel sick after a dose; a light meal earlier in the day is fine.\n\n"
        "Getting home: arrange for someone to take you home. Do not drive, cycle or operate machinery until "
        "the next day, after a good night's sleep. We will not discharge you without your escort.\n\n"
        "Medicines: ask your clinician before the day whether to take your usual morning medicines, and tell "
        "us about any new medicine or illness since your last visit.\n\n"
        "What to bring: a list of your current medicines, comfortable layers (the room can feel cool), and an "
        "eye mask or headphones if you like them. Plan a quiet rest of the day.\n\n"
        "We check your blood pressure before and after the dose and stay with you until you are ready to go."
    ),
    "integration": (
        "Bring your journal: the entries you wrote after your ketamine sessions are a good place to start. "
        "Only the entries you chose to share are visible to your care team; you can read others aloud if you wish.\n\n"
        "There is nothing to prepare beyond that: no fasting, and you may drive to this session.\n\n"
        "If it is by video, find a quiet, private place and join a few minutes early."
    ),
    "intake": (
        "Bring a list of your current medicines and doses, and any letters or records about past treatment.\n\n"
        "We will ask about your health, including heart and blood pressure problems, liver or bladder "
        "problems, thyroid problems and past experiences of mania or hallucinations, because some of these "
        "need treating before ketamine can be given safely.\n\n"
        "Allow about an hour. Write down any questions you want to ask."
    ),
    "follow_up": (
        "A short review of how you have been since your sessions. If you can, answer this week's "
        "questionnaires in the app beforehand so we can look at them together.\n\n"
        "Note any changes in mood, sleep or side effects, and any questions about further sessions.\n\n"
        "If it is by video, find a quiet, private place and join a few minutes early."
    ),
}
