"""The command line: parse, load the config, run one small function per command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from trayapp import __version__
from trayapp.core.config import config_path, load_config
from trayapp.core.errors import ConfigError, TrayappError, UsageError
from trayapp.core.matching import find_account
from trayapp.core.model import CREDENTIAL_FORMATS, Account, Config, ConsoleMode

if TYPE_CHECKING:
    from trayapp.app import App

log = logging.getLogger("trayapp")


class Context:
    """What every command needs: the parsed options and, on demand, the config."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.path = config_path(getattr(args, "config", None))
        self._config: Config | None = None
        self._app: App | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.path)
        return self._config

    def account(self, name: str) -> Account:
        try:
            return find_account(self.config.accounts, name)
        except UsageError:
            # A profile of the AWS config that was skipped: say why, not "no account named".
            skipped = [p for p in self.config.warnings if p.key == f"profile {name.strip()}"]
            if skipped:
                raise UsageError(f"{skipped[0]} (profile skipped)") from None
            raise

    @property
    def app(self) -> App:
        """The shared actions, with the MFA prompt this invocation calls for."""
        if self._app is None:
            from trayapp.app import App
            from trayapp.platforms.prompts import choose_prompt

            prompt = choose_prompt(getattr(self.args, "mfa_code", None), sys.stdin.isatty())
            self._app = App(self.config, prompt)
        return self._app


def cmd_list(ctx: Context) -> int:
    from trayapp.core.display import safe_json, safe_text

    config = ctx.config
    for problem in config.warnings:
        print(f"warning: {problem} (profile skipped)", file=sys.stderr)
    if ctx.args.json:
        rows = [
            {
                "name": a.name,
                "display_name": a.display_name,
                "account_id": a.account_id,
                "role_name": a.role_name,
                "color": f"#{a.color}" if a.color else None,
                "region": config.region_for(a),
                "group": a.group,
                "source": a.source,
            }
            for a in config.accounts
        ]
        print(safe_json(json.dumps(rows, indent=2, ensure_ascii=False)))
        return 0
    if not config.accounts:
        print(no_accounts_hint(config), file=sys.stderr)
        return 0
    table = [("NAME", "DISPLAY NAME", "ACCOUNT", "ROLE", "REGION", "GROUP")]
    table += [
        (a.name, a.display_name, a.account_id, a.role_name, config.region_for(a), a.group or "")
        for a in config.accounts
    ]
    shown = [[safe_text(cell) for cell in row] for row in table]
    widths = [max(len(row[i]) for row in shown) for i in range(len(shown[0]))]
    for cells in shown:
        print("  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip())
    return 0


def no_accounts_hint(config: Config) -> str:
    """Tell a new user where accounts go."""
    where = "" if config.exists else " (it does not exist yet)"
    return (
        f"No accounts yet. Add [[account]] tables to {config.path}{where}: "
        "run 'trayapp config edit', or 'trayapp import link URL' with a switch-role link."
    )


def asked_mode(args: argparse.Namespace) -> ConsoleMode | None:
    return "signed" if args.signed else "switch-role" if args.switch_role else None


def cmd_url(ctx: Context) -> int:
    account = ctx.account(ctx.args.name)
    print(ctx.app.console_url(account, asked_mode(ctx.args), ctx.args.region, ctx.args.service))
    return 0


def cmd_open(ctx: Context) -> int:
    account = ctx.account(ctx.args.name)
    mode = ctx.app.open_console(account, asked_mode(ctx.args), ctx.args.region, ctx.args.service)
    print(f"Opened the console for {account.display_name} ({mode}).", file=sys.stderr)
    return 0


def cmd_creds(ctx: Context) -> int:
    account = ctx.account(ctx.args.name)
    if ctx.args.copy:
        session = ctx.app.copy_credentials(account, ctx.args.format)
        seconds = ctx.config.settings.clipboard_clear_seconds
        later = f"; the clipboard is cleared in {seconds} s" if seconds else ""
        print(
            f"Credentials for {account.display_name} copied, valid until {session.credentials.expiration}{later}.",
            file=sys.stderr,
        )
        return 0
    text, _ = ctx.app.credentials_text(account, ctx.args.format or "sh")
    sys.stdout.write(text)
    return 0


def cmd_exec(ctx: Context) -> int:
    from trayapp.core.formats import variables

    command = list(ctx.args.command_line)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise UsageError("nothing to run: trayapp exec NAME -- COMMAND [ARGS...]")
    account = ctx.account(ctx.args.name)
    session = ctx.app.credentials(account)
    env = {k: v for k, v in os.environ.items() if k not in DROP_FOR_EXEC}
    env.update(variables(session.credentials, ctx.config.region_for(account)))
    env["TRAYAPP_ACCOUNT"] = account.name
    from trayapp.platforms.child import run_child

    try:
        return run_child(command, env)  # signals forwarded; the child's status, or 128+N
    except FileNotFoundError:
        raise UsageError(f"command not found: {command[0]}") from None
    except OSError as exc:
        raise TrayappError(f"could not run {command[0]}: {exc.strerror}") from None


# Credentials and profile choices from the caller would compete with the account's own.
DROP_FOR_EXEC = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
)


def cmd_back(ctx: Context) -> int:
    if ctx.args.print:
        print(ctx.app.back_url())  # the sign-out URL; a federated login URL is a secret, never printed
        ctx.app.leave_console()
        return 0
    done = ctx.app.back()
    print(done.message(ctx.config.primary.label or "your IAM user"), file=sys.stderr)
    return 0


def cmd_forget(ctx: Context) -> int:
    account = ctx.account(ctx.args.name) if ctx.args.name else None
    dropped = ctx.app.forget(account)
    whose = f"for {account.display_name}" if account else "for every account"
    print(f"Forgot {dropped} cached session{'s' if dropped != 1 else ''} {whose}.", file=sys.stderr)
    return 0


def cmd_export(ctx: Context) -> int:
    """``export aws-config``: print the profiles block, or keep it in the AWS config with --write."""
    from trayapp.core import exporting
    from trayapp.core.awsconfig import aws_config_path
    from trayapp.core.config import default_config_path

    config = ctx.config
    command = exporting.trayapp_command()
    if ctx.path != default_config_path():
        # The AWS CLI, an IDE or an SDK may not see $TRAYAPP_CONFIG: name the file in the command.
        command += ["--config", str(ctx.path.absolute())]
    chosen, skipped = exporting.export_plan(config.accounts)
    block = exporting.profiles_block(config.accounts, command)
    notes = [
        f"Left out account {name!r}: {why}." for name, why in skipped if why != exporting.SKIP_AWS_PROFILE
    ]
    from_aws = sum(1 for a in config.accounts if a.is_aws_profile)
    if from_aws:
        notes.insert(0, f"Left out {from_aws} role profile(s) of the AWS config: they are profiles already.")
    if not ctx.args.write:
        sys.stdout.write(block)
        for note in notes:
            print(note, file=sys.stderr)
        return 0
    path = aws_config_path()
    if not chosen and not exporting.has_block(path):
        print(f"No accounts to export; {path} left as it was.")
        return 0
    exporting.write_block(path, block)  # before any note: a refusal is the only thing said
    for note in notes:
        print(note, file=sys.stderr)
    names = ", ".join(a.name for a in chosen)
    count = f"{len(chosen)} profile{'s' if len(chosen) != 1 else ''}"
    print(f"Wrote {count} to {path}" + (f": {names}." if names else "."))
    if chosen and not config.primary.profile:
        print(
            f"Use them with 'aws --profile {chosen[0].name}'. For AWS_PROFILE={chosen[0].name}, first set "
            "[primary] profile in trayapp's config: trayapp finds the primary keys through AWS_PROFILE too.",
            file=sys.stderr,
        )
    return 0


def cmd_tray(ctx: Context) -> int:
    from trayapp.tray.run import run_tray

    return run_tray(getattr(ctx.args, "config", None))


def cmd_switch(ctx: Context) -> int:
    """Bring the running tray's switcher forward, else open one window of our own."""
    from trayapp.switcher.ipc import ask_tray_to_show

    if not ctx.args.standalone and ask_tray_to_show():
        return 0
    from trayapp.switcher.host import run_standalone

    return run_standalone(ctx.path)


def cmd_import(ctx: Context) -> int:
    from trayapp.core.importing import add_accounts, add_link, parse_aesr

    args = ctx.args
    if args.role_name is not None and args.source != "organizations":
        raise UsageError("--role-name is only for 'trayapp import organizations'")
    if args.url is not None and args.source in ("organizations", "sso"):
        raise UsageError(f"'trayapp import {args.source}' takes no FILE or URL, got {args.url!r}")
    if args.source == "link":
        link = args.url
        if link is None:
            from trayapp.platforms import clipboard

            link = clipboard.paste()
        name = add_link(ctx.path, link, dry_run=args.dry_run, group=args.group)
        verb = "Would add" if args.dry_run else "Added"
        print(f"{verb} account {name!r} to {ctx.path}.")
        return 0
    if args.source == "aesr":
        if args.url is None:
            raise UsageError("name the AWS Extend Switch Roles config file: trayapp import aesr FILE")
        candidates, skipped = parse_aesr(read_import_file(args.url))
        if args.group:
            candidates = [{**c, "group": args.group} for c in candidates]
    elif args.source == "sso":
        from trayapp.core.sso import sso_candidates

        candidates, skipped = sso_candidates(args.sso_session, args.group)
    else:
        from trayapp.core.organizations import DEFAULT_ROLE, organization_accounts

        candidates, skipped = organization_accounts(ctx.config, args.role_name or DEFAULT_ROLE, args.group)
    added, more = add_accounts(ctx.path, candidates, dry_run=args.dry_run)
    for account in added:
        verb = "would add" if args.dry_run else "added"
        print(f"{verb} {account.name} ({account.account_id}, {account.role_name})")
    for skip in skipped + more:
        print(f"skipped {skip.label}: {skip.reason}")
    count, left = f"{len(added)} account{'s' if len(added) != 1 else ''}", len(skipped + more)
    if args.dry_run:
        print(f"Dry run: would add {count} to {ctx.path}, {left} skipped; nothing was written.")
    elif added:
        print(f"Added {count} to {ctx.path}, {left} skipped.")
    else:
        print(f"Nothing added, {left} skipped; {ctx.path} is unchanged.")
    return 0


def read_import_file(name: str) -> str:
    """The text of the file to import ('-': stdin); a file that cannot be read is a usage error."""
    if name == "-":
        return sys.stdin.read()
    try:
        with open(name, encoding="utf-8-sig") as handle:
            return handle.read()
    except FileNotFoundError:
        raise UsageError(f"cannot read {name}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read {name}: it is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read {name}: {exc.strerror}") from None


def cmd_autostart(ctx: Context) -> int:
    from trayapp.platforms.autostart import for_this_platform

    entry = for_this_platform()
    if ctx.args.action == "enable":
        entry.enable()
    elif ctx.args.action == "disable":
        entry.disable()
    print("Start at login: " + ("enabled" if entry.enabled() else "disabled"))
    return 0


def cmd_config(ctx: Context) -> int:
    action = ctx.args.action
    if action == "path":
        print(ctx.path)
        return 0
    if action == "check":
        return config_check(ctx)
    if action == "show":
        return config_show(ctx)
    return config_edit(ctx)


def config_check(ctx: Context) -> int:
    from trayapp.core.display import safe_text

    config = ctx.config
    for problem in config.warnings:
        print(safe_text(f"warning: {problem} (profile skipped)"), file=sys.stderr)
    if not config.exists:
        print(f"{config.path}: no config file yet; {len(config.accounts)} accounts from the AWS config")
        return 0
    print(f"{config.path}: OK, {len(config.accounts)} accounts")
    return 0


def config_show(ctx: Context) -> int:
    from trayapp.core.display import safe_text

    config = ctx.config
    if config.exists:
        sys.stdout.write(config.path.read_text(encoding="utf-8"))
    else:
        print(f"# {config.path} does not exist yet")
    extra = [a for a in config.accounts if a.is_aws_profile]
    if extra:
        print("\n# Role profiles from the AWS config, listed as accounts:")
        for a in extra:
            print(safe_text(f"#   {a.name}: {a.role_arn}"))
    return 0


def config_edit(ctx: Context) -> int:
    from trayapp.core.config import create_config

    path = ctx.path
    if create_config(path):
        print(f"Created {path}", file=sys.stderr)
    from trayapp.platforms.editor import open_in_editor

    open_in_editor(path, os.environ, foreground=True)
    ctx._config = None
    try:
        load_config(path)
    except ConfigError as exc:
        print(f"The config still has problems:\n{exc}", file=sys.stderr)
        return 2
    return 0


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
    """The command to run; plain ``trayapp`` and ``trayapp tray`` skip building every subcommand's parser."""
    if list(argv) in ([], ["tray"]):  # the tray's start: its first paint should not wait for argparse
        return argparse.Namespace(command="tray", run=cmd_tray)
    args = build_parser().parse_args(argv)
    if not getattr(args, "command", None):
        args.command = "tray"
        args.run = cmd_tray
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit 0 on success, 1 for AWS/system errors, 2 for usage or config errors."""
    from trayapp.core.display import safe_lines, safe_text
    from trayapp.core.redact import configure_logging, redact

    args = parse_args(sys.argv[1:] if argv is None else argv)
    debug = getattr(args, "debug", False)
    configure_logging(debug)  # every diagnostic below goes through its redacting filter
    # botocore logs its own refresh failures with tracebacks; trayapp says them in one sentence.
    logging.getLogger("botocore").setLevel(logging.WARNING if debug else logging.CRITICAL)
    try:
        code: int = args.run(Context(args))
        return code
    except TrayappError as exc:
        if debug:
            log.exception("failed")
        print(f"trayapp: {redact(safe_lines(str(exc)))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("trayapp: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if debug:
            log.exception("failed")
        where = f"{exc.filename}: " if exc.filename else ""
        reason = exc.strerror or type(exc).__name__
        print(f"trayapp: {redact(safe_text(f'{where}{reason}'))}", file=sys.stderr)
        return 1
    except Exception as exc:
        if debug:
            log.exception("unexpected error")  # the traceback goes through the redacting filter too
        print(
            f"trayapp: unexpected error ({type(exc).__name__}); run again with --debug for details",
            file=sys.stderr,
        )
        return 1
