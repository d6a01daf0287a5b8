"""``flowkit plugins``: what is installed, and what each plugin contributes."""
from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("--problems", action="store_true", help="also list loading problems")


def run(args) -> int:
    from flowkit import plugins
    pm = plugins.get_plugin_manager()
    contrib = plugins.contributions()
    backends = {name: plugins.get_backend(name) for name in plugins.backend_names()}
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        version = getattr(plugin, "__version__", "?")
        print(f"{name} {version}")
        c = contrib.get(name, {})
        reason = getattr(plugin, "unavailable_reason", None)
        if callable(reason) and reason():
            print(f"  {reason()}")
        for be_name in c.get("backends", []):
            devs = backends[be_name].devices()
            shown = ", ".join(f"{d} ({'available' if ok else 'not available'})"
                              for d, ok in devs.items())
            print(f"  backend {be_name}: {len(backends[be_name].kernels)} kernels; "
                  f"devices: {shown}")
        if c.get("ops"):
            print(f"  ops: {', '.join(c['ops'])}")
        if c.get("kernels"):
            print(f"  kernels: {', '.join(f'{b}:{t}' for b, t in c['kernels'])}")
        if c.get("optimizers"):
            print(f"  optimizers: {', '.join(c['optimizers'])}")
    problems = plugins.problems()
    if problems:
        print(f"\n{len(problems)} problem(s) while loading plugins"
              + (":" if args.problems else " (see --problems)"))
        if args.problems:
            for p in problems:
                print(f"  {p}")
    return 0
