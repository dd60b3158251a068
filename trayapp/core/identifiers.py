"""AWS identifier rules (AWS-FACTS.md, "Identifiers" and "STS limits") as small pure checks."""

from __future__ import annotations

import re
from typing import NamedTuple

ACCOUNT_ID = re.compile(r"[0-9]{12}")  # ASCII digits only: never \d, which takes any script's digits
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)
PATH_SEGMENT = re.compile(r"[\x21-\x2e\x30-\x7e]+")  # printable ASCII but '/'
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII)
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)
MFA_SERIAL = re.compile(r"[\w+=/:,.@-]{9,256}", re.ASCII)
ROLE_ARN = re.compile(r"arn:(aws|aws-us-gov|aws-cn):iam::([0-9]{12}):role/(.+)", re.DOTALL)
DURATION = re.compile(r"(?:([0-9]{1,5})h)?(?:([0-9]{1,5})m)?(?:([0-9]{1,5})s)?")
SECONDS = re.compile(r"[0-9]{1,9}")
MFA_CODE = re.compile(r"[0-9]{6}")
# A trayapp account name, which is also the AWS CLI profile name export writes: both read it as is.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_MAX = 64  # NAME's length limit
SERVICE = re.compile(r"[a-z0-9][a-z0-9-]*")  # a console service, as in console.aws.amazon.com/SERVICE
DISPLAY_NAME_MAX = 64  # the switch-role page's displayName limit, and the menu's

PARTITIONS = ("aws", "aws-us-gov", "aws-cn")
PARTITION_DEFAULT_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}
MIN_DURATION, MAX_DURATION = 900, 43200
SWITCH_ROLE_MAX = 64  # path + name, a console cookie limit


def partition_of_region(region: str) -> str:
    """Map a region to its partition by prefix (us-gov-*, cn-*, else aws)."""
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"


def role_name_problem(role: str) -> str | None:
    """Why ``ops/admin``-style role text is not a valid role path + name, or None."""
    parts = role.strip("/").split("/")
    name, path = parts[-1], parts[:-1]
    if not ROLE_NAME.fullmatch(name):
        return "a role name is 1 to 64 of letters, digits and + = , . @ _ -"
    if path and not all(PATH_SEGMENT.fullmatch(p) for p in path):
        return "a role path is made of printable ASCII segments separated by '/'"
    if len("/".join(path)) + 2 > 512:
        return "a role path is at most 512 characters"
    return None


class RoleArn(NamedTuple):
    """A role ARN taken apart; ``role`` is the path and name without the leading slash."""

    partition: str
    account_id: str
    role: str


def parse_role_arn(text: str) -> RoleArn:
    """The parts of ``arn:PARTITION:iam::ACCOUNT:role/PATH/NAME``; ValueError says what is wrong."""
    m = ROLE_ARN.fullmatch(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not a role ARN such as arn:aws:iam::123456789012:role/NAME")
    role = m.group(3).strip("/")
    problem = role_name_problem(role)
    if problem:
        raise ValueError(f"{problem}, got {text!r}")
    return RoleArn(m.group(1), m.group(2), role)


class Conflict(NamedTuple):
    """An AESR key beside role_arn (``aws_account_id`` or ``role_name``) that names something else."""

    key: str
    arn_says: str
    key_says: str

    def sentence(self, at: str = "") -> str:
        """``role_arn names account 1 but aws_account_id (line 4) says 2``; ``at`` places the key."""
        what = "account" if self.key == "aws_account_id" else "role"
        return f"role_arn names {what} {self.arn_says} but {self.key}{at} says {self.key_says}"


def role_arn_conflict(arn: RoleArn, account_id: str, role_name: str) -> Conflict | None:
    """The AESR key that contradicts the role ARN (trayapp will not pick one silently), or None."""
    given = account_id.replace("-", "")
    if given and given != arn.account_id:
        return Conflict("aws_account_id", arn.account_id, given)
    named = role_name.strip("/")
    if named and named not in (arn.role, arn.role.rsplit("/", 1)[-1]):
        return Conflict("role_name", repr(arn.role), repr(named))
    return None


def parse_duration(value: object) -> int:
    """Seconds from 3600, "3600", "90m", "1h" or "1h30m"; raises ValueError outside 15m..12h."""
    if isinstance(value, bool):
        raise ValueError('expected a duration such as "1h", "90m" or 3600')
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and SECONDS.fullmatch(value.strip()):
        seconds = int(value.strip())
    elif isinstance(value, str) and len(value) > 40:
        raise ValueError(f'expected a duration such as "1h", "90m" or 3600, got {len(value)} characters')
    elif isinstance(value, str) and value.strip() and (m := DURATION.fullmatch(value.strip())):
        h, mi, s = (int(g) if g else 0 for g in m.groups())
        seconds = h * 3600 + mi * 60 + s
    else:
        raise ValueError('expected a duration such as "1h", "90m" or 3600')
    if not MIN_DURATION <= seconds <= MAX_DURATION:
        raise ValueError(f"must be between 15m and 12h (900..43200 seconds), got {seconds}")
    return seconds


def slug(text: str) -> str:
    """A command-line friendly name: accents dropped, lower case, runs of other characters become '-'."""
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9._]+", "-", folded.lower()).strip("-._") or "account"
