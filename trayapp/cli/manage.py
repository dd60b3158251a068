"""The commands that manage trayapp itself: tray, switch, import, export, autostart, config."""

from __future__ import annotations

from trayapp.cli.context import Context
from trayapp.core.errors import ConfigError, UsageError


def cmd_tray(ctx: Context) -> int:
    from trayapp.tray.run import run_tray

    return run_tray(getattr(ctx.args, "config", None), ctx.env)


def cmd_switch(ctx: Context) -> int:
    """Bring the running tray's switcher forward, else open one window of our own."""
    from trayapp.switcher.ipc import ask_tray_to_show

    if not ctx.args.standalone and ask_tray_to_show():
        return 0
    from trayapp.switcher.host import run_standalone

    return run_standalone(ctx.path, ctx.env)


def cmd_import(ctx: Context) -> int:
    from trayapp.core.importing import (
        add_accounts,
        add_link,
        import_summary,
        in_group,
        parse_aesr,
        read_import_file,
    )

    args = ctx.args
    if args.role_name is not None and args.source != "organizations":
        raise UsageError("--role-name is only for 'trayapp import organizations'")
    if args.url is not None and args.source in ("organizations", "sso"):
        raise UsageError(f"'trayapp import {args.source}' takes no FILE or URL, got {args.url!r}")
    if args.source == "link":
        link = args.url if args.url is not None else ctx.env.clipboard.paste()
        name = add_link(ctx.path, link, dry_run=args.dry_run, group=args.group)
        verb = "Would add" if args.dry_run else "Added"
        print(f"{verb} account {name!r} to {ctx.path}.", file=ctx.out)
        return 0
    if args.source == "aesr":
        if args.url is None:
            raise UsageError("name the AWS Extend Switch Roles config file: trayapp import aesr FILE")
        candidates, skipped = parse_aesr(read_import_file(args.url, ctx.env.stdin))
        candidates = in_group(candidates, args.group)
    elif args.source == "sso":
        from trayapp.core.sso import sso_candidates

        candidates, skipped = sso_candidates(args.sso_session, args.group)
    else:
        from trayapp.core.organizations import DEFAULT_ROLE, organization_accounts

        role = args.role_name or DEFAULT_ROLE
        candidates, skipped = organization_accounts(ctx.config, role, args.group, environ=ctx.env.environ)
    added, more = add_accounts(ctx.path, candidates, dry_run=args.dry_run)
    for account in added:
        verb = "would add" if args.dry_run else "added"
        print(f"{verb} {account.name} ({account.account_id}, {account.role_name})", file=ctx.out)
    for skip in skipped + more:
        print(f"skipped {skip.label}: {skip.reason}", file=ctx.out)
    print(import_summary(len(added), len(skipped + more), ctx.path, args.dry_run), file=ctx.out)
    return 0


def cmd_export(ctx: Context) -> int:
    """``export aws-config``: print the profiles block, or keep it in the AWS config with --write."""
    from trayapp.core import exporting
    from trayapp.core.awsconfig import aws_config_path
    from trayapp.core.config import default_config_path

    config = ctx.config
    command = exporting.export_command(ctx.path, default_config_path())
    chosen, skipped = exporting.export_plan(config.accounts)
    block = exporting.profiles_block(config.accounts, command)
    notes = exporting.export_notes(config.accounts, skipped)
    if not ctx.args.write:
        ctx.out.write(block)
        for note in notes:
            print(note, file=ctx.err)
        return 0
    path = aws_config_path(ctx.env.environ)
    if not chosen and not exporting.has_block(path):
        print(f"No accounts to export; {path} left as it was.", file=ctx.out)
        return 0
    exporting.write_block(path, block)  # before any note: a refusal is the only thing said
    for note in notes:
        print(note, file=ctx.err)
    names = ", ".join(a.name for a in chosen)
    count = f"{len(chosen)} profile{'s' if len(chosen) != 1 else ''}"
    print(f"Wrote {count} to {path}" + (f": {names}." if names else "."), file=ctx.out)
    if chosen and not config.primary.profile:
        print(
            f"Use them with 'aws --profile {chosen[0].name}'. For AWS_PROFILE={chosen[0].name}, first set "
            "[primary] profile in trayapp's config: trayapp finds the primary keys through AWS_PROFILE too.",
            file=ctx.err,
        )
    return 0


def cmd_autostart(ctx: Context) -> int:
    entry = ctx.env.autostart()
    if ctx.args.action == "enable":
        entry.enable()
    elif ctx.args.action == "disable":
        entry.disable()
    print("Start at login: " + ("enabled" if entry.enabled() else "disabled"), file=ctx.out)
    return 0


def cmd_config(ctx: Context) -> int:
    action = ctx.args.action
    if action == "path":
        print(ctx.path, file=ctx.out)
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
        print(safe_text(f"warning: {problem} (profile skipped)"), file=ctx.err)
    if not config.exists:
        print(
            f"{config.path}: no config file yet; {len(config.accounts)} accounts from the AWS config",
            file=ctx.out,
        )
        return 0
    print(f"{config.path}: OK, {len(config.accounts)} accounts", file=ctx.out)
    return 0


def config_show(ctx: Context) -> int:
    from trayapp.core.display import safe_text

    config = ctx.config
    if config.exists:
        ctx.out.write(config.path.read_text(encoding="utf-8"))
    else:
        print(f"# {config.path} does not exist yet", file=ctx.out)
    extra = [a for a in config.accounts if a.is_aws_profile]
    if extra:
        print("\n# Role profiles from the AWS config, listed as accounts:", file=ctx.out)
        for a in extra:
            print(safe_text(f"#   {a.name}: {a.role_arn}"), file=ctx.out)
    return 0


def config_edit(ctx: Context) -> int:
    from trayapp.core.config import create_config, load_config

    path = ctx.path
    if create_config(path):
        print(f"Created {path}", file=ctx.err)
    ctx.env.editor.open(path, foreground=True)
    ctx.forget_config()
    try:
        load_config(path, ctx.env.environ)
    except ConfigError as exc:
        print(f"The config still has problems:\n{exc}", file=ctx.err)
        return 2
    return 0
