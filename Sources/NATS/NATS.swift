import CNATS
