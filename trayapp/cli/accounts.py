"""The account commands: list, url, open, creds, exec, back, forget; each writes to the Context's streams."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from trayapp.cli.context import Context
from trayapp.core.errors import TrayappError, UsageError

if TYPE_CHECKING:
    from trayapp.core.model import Config, ConsoleMode


def cmd_list(ctx: Context) -> int:
    from trayapp.core.display import safe_json, safe_text

    config = ctx.config
    for problem in config.warnings:
        print(f"warning: {problem} (profile skipped)", file=ctx.err)
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
        print(safe_json(json.dumps(rows, indent=2, ensure_ascii=False)), file=ctx.out)
        return 0
    if not config.accounts:
        print(no_accounts_hint(config), file=ctx.err)
        return 0
    table = [("NAME", "DISPLAY NAME", "ACCOUNT", "ROLE", "REGION", "GROUP")]
    table += [
        (a.name, a.display_name, a.account_id, a.role_name, config.region_for(a), a.group or "")
        for a in config.accounts
    ]
    shown = [[safe_text(cell) for cell in row] for row in table]
    widths = [max(len(row[i]) for row in shown) for i in range(len(shown[0]))]
    for cells in shown:
        line = "  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip()
        print(line, file=ctx.out)
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
    url = ctx.app.console_url(account, asked_mode(ctx.args), ctx.args.region, ctx.args.service)
    print(url, file=ctx.out)
    return 0


def cmd_open(ctx: Context) -> int:
    account = ctx.account(ctx.args.name)
    mode = ctx.app.open_console(account, asked_mode(ctx.args), ctx.args.region, ctx.args.service)
    print(f"Opened the console for {account.display_name} ({mode}).", file=ctx.err)
    return 0


def cmd_creds(ctx: Context) -> int:
    account = ctx.account(ctx.args.name)
    if ctx.args.copy:
        session = ctx.app.copy_credentials(account, ctx.args.format)
        seconds = ctx.config.settings.clipboard_clear_seconds
        later = f"; the clipboard is cleared in {seconds} s" if seconds else ""
        print(
            f"Credentials for {account.display_name} copied, valid until {session.credentials.expiration}{later}.",
            file=ctx.err,
        )
        return 0
    text, _ = ctx.app.credentials_text(account, ctx.args.format or "sh")
    ctx.out.write(text)
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
    env = {k: v for k, v in ctx.env.environ.items() if k not in DROP_FOR_EXEC}
    env.update(variables(session.credentials, ctx.config.region_for(account)))
    env["TRAYAPP_ACCOUNT"] = account.name
    try:
        return ctx.env.run_child(command, env)  # signals forwarded; the child's status, or 128+N
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
        # the sign-out URL; a federated login URL is a secret, never printed
        print(ctx.app.back_url(), file=ctx.out)
        ctx.app.leave_console()
        return 0
    done = ctx.app.back()
    print(done.message(ctx.config.primary.label or "your IAM user"), file=ctx.err)
    return 0


def cmd_forget(ctx: Context) -> int:
    account = ctx.account(ctx.args.name) if ctx.args.name else None
    dropped = ctx.app.forget(account)
    whose = f"for {account.display_name}" if account else "for every account"
    print(f"Forgot {dropped} cached session{'s' if dropped != 1 else ''} {whose}.", file=ctx.err)
    return 0
