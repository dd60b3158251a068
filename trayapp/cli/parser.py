"""The command line's grammar: one parser per command, each with its own options."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from trayapp import __version__
from trayapp.cli.accounts import cmd_back, cmd_creds, cmd_exec, cmd_forget, cmd_list, cmd_open, cmd_url
from trayapp.cli.manage import cmd_autostart, cmd_config, cmd_export, cmd_import, cmd_switch, cmd_tray
from trayapp.core.schema import CREDENTIAL_FORMATS


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="config file to use")
    common.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="log details and show tracebacks"
    )

    parser = argparse.ArgumentParser(
        prog="trayapp",
        parents=[common],
        description="Open the AWS console or get credentials for your accounts, from the tray or a terminal.",
    )
    parser.add_argument("--version", action="version", version=f"trayapp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("tray", parents=[common], help="start the tray icon (the default)")
    p.set_defaults(run=cmd_tray)

    p = sub.add_parser("switch", parents=[common], help="the quick switcher: type to find an account")
    p.add_argument(
        "--standalone", action="store_true", help="open a window of its own even when the tray runs"
    )
    p.set_defaults(run=cmd_switch)

    p = sub.add_parser("list", parents=[common], help="list the accounts")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_list)

    for name, run, text in (("url", cmd_url, "print a console URL"), ("open", cmd_open, "open the console")):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("name", metavar="NAME", help="account name, display name or account id")
        mode = p.add_mutually_exclusive_group()
        mode.add_argument("--switch-role", action="store_true", help="the console's switch-role page")
        mode.add_argument("--signed", action="store_true", help="a signed federation sign-in link")
        p.add_argument("--region", type=region_arg, help="console region")
        p.add_argument("--service", type=service_arg, help='console service ("s3") or path ("/billing/home")')
        p.set_defaults(run=run)

    p = sub.add_parser("config", parents=[common], help="where the config is; check, show or edit it")
    p.add_argument("action", choices=("path", "check", "show", "edit"))
    p.set_defaults(run=cmd_config)

    p = sub.add_parser("creds", parents=[common], help="print temporary credentials")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--format", "-f", choices=CREDENTIAL_FORMATS, help="output format (default sh)")
    p.add_argument("--copy", action="store_true", help="copy to the clipboard instead of printing")
    p.add_argument("--mfa-code", metavar="CODE", help="MFA code, for scripts")
    p.set_defaults(run=cmd_creds)

    p = sub.add_parser("exec", parents=[common], help="run a command with an account's credentials")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--mfa-code", metavar="CODE", help="MFA code, for scripts")
    p.add_argument("command_line", nargs=argparse.REMAINDER, metavar="-- COMMAND ARGS")
    p.set_defaults(run=cmd_exec)

    p = sub.add_parser("back", parents=[common], help="back to the primary session")
    p.add_argument("--print", action="store_true", help="print the URL instead of opening it")
    p.set_defaults(run=cmd_back)

    p = sub.add_parser("forget", parents=[common], help="drop cached sessions")
    p.add_argument("name", metavar="NAME", nargs="?", help="one account (default: all)")
    p.set_defaults(run=cmd_forget)

    p = sub.add_parser(
        "import",
        parents=[common],
        help="add accounts from a switch-role link, an AWS Extend Switch Roles config, your AWS Organization "
        "or IAM Identity Center",
    )
    p.set_defaults(run=cmd_import)
    sources = p.add_subparsers(dest="source", metavar="SOURCE", required=True)
    # One parser per source, each with its own options, so options go anywhere ("import aesr --dry-run FILE").
    for source, text, what in (
        ("link", "a switch-role link", "the switch-role link (default: the clipboard)"),
        ("aesr", "an AWS Extend Switch Roles config", "the config file ('-' for stdin)"),
        ("organizations", "the accounts of your AWS Organization", None),
        ("sso", "the accounts and roles of your IAM Identity Center sign-in", None),
    ):
        q = sources.add_parser(source, parents=[common], help=f"add accounts from {text}")
        # organizations and sso take no FILE: it is parsed anyway so the refusal is one sentence.
        q.add_argument(
            "url", nargs="?", metavar="URL" if source == "link" else "FILE", help=what or argparse.SUPPRESS
        )
        q.add_argument("--dry-run", action="store_true", help="show what would be added, change nothing")
        q.add_argument(
            "--group", type=group_arg, metavar="G", help="put the added accounts in this menu group"
        )
        q.add_argument(
            "--role-name",
            type=role_name_arg,
            metavar="R",
            help="the role to assume in each account (default OrganizationAccountAccessRole)"
            if source == "organizations"
            else argparse.SUPPRESS,
        )
        if source == "sso":
            q.add_argument("--sso-session", metavar="NAME", help="the [sso-session NAME] of the AWS config")
        else:
            q.set_defaults(sso_session=None)

    p = sub.add_parser("autostart", parents=[common], help="start the tray at login")
    p.add_argument("action", choices=("enable", "disable", "status"))
    p.set_defaults(run=cmd_autostart)

    p = sub.add_parser(
        "export", parents=[common], help="AWS CLI profiles whose credential_process is trayapp"
    )
    p.add_argument("target", choices=("aws-config",), help="what to export")
    p.add_argument("--write", action="store_true", help="keep them in a marked block of the AWS config file")
    p.set_defaults(run=cmd_export)
    return parser


def region_arg(value: str) -> str:
    from trayapp.core.identifiers import REGION

    if not REGION.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an AWS region such as eu-west-1")
    return value


def role_name_arg(value: str) -> str:
    from trayapp.core.identifiers import role_name_problem

    problem = role_name_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(f"{value!r}: {problem}")
    return value.strip("/")


def group_arg(value: str) -> str:
    if not value.strip() or len(value) > 64 or not value.isprintable():
        raise argparse.ArgumentTypeError("a group is 1 to 64 printable characters")
    return value


def service_arg(value: str) -> str:
    from trayapp.core.config import check_destination

    try:
        return check_destination(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command to run, by argparse; no command is the tray (trayapp.cli.entry skips this for the tray)."""
    args = build_parser().parse_args(argv)
    if not getattr(args, "command", None):
        args.command = "tray"
        args.run = cmd_tray
    return args
