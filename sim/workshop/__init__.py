"""Workshops, the headless side: participant spaces, the room's cap on concurrent runs, lessons."""

from sim.workshop.slots import RunSlots, Slot
from sim.workshop.space import Space, claim_space, participant_name, spaces

__all__ = ["RunSlots", "Slot", "Space", "claim_space", "participant_name", "spaces"]
