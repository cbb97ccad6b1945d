"""Strings that must never leave a redacted export of the fixture report."""

# Everything that identifies the two owners, in the forms it takes in the fixture.
OWNER_STRINGS = (
    "Daniel", "Roy", "daniel.roy@northgate-aero.com", "+1 (202) 555-0147", "+12025550147",
    "2025550147", "Priya", "Natarajan", "priya.natarajan@helix-labs.co.uk", "+44 7700 900456",
    "+447700900456", "7700900456", "/home/droy", "/home/priya",
)
# Text the owners wrote, or that is in no evidence span.
PRIVATE_TEXT = (
    "My wife Anna says hi", "Anna", "Reston", "work laptop", "stock image",
    "Possibly. My WhatsApp", "Added you.", "aviation policy",
)
