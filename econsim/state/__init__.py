"""What a run holds while it goes: live parameters, practice data, the adoption race, records."""
