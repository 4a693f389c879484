"""`maillage-viewer [Streamlit options]`: the viewer's server, with the graph opened from the process's first moment.

`streamlit run app/server.py` works as well, but opens the graph only once Streamlit has started and imported
app/server.py (0.6 s later, at national size a tenth of the first page's wait). Here the opening of the graph
(warmup.begin, in a background thread; MAILLAGE_OUT says which build) starts first, then Streamlit's own command
line runs app/server.py in this process, which joins the opening under way. Options go to `streamlit run`, after
the offline ones (no usage statistics, no browser opened), which hold whatever the working directory.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from app.viewer.warmup import begin, out_dir

SERVER = Path(__file__).resolve().parent.parent / "server.py"
OFFLINE = ["--server.headless", "true", "--browser.gatherUsageStats", "false"]


def main() -> None:
    opening = begin(out_dir(), imports=False)  # Oxigraph reads the graph while Streamlit starts
    from streamlit.web import cli

    # Once Streamlit is imported (see warmup.begin), beside its start: its server answers sooner. Then Accueil is
    # made from the answers kept with the build, before the first visitor comes (warmup.Opening.ahead).
    threading.Thread(target=opening.ahead, name="maillage-imports", daemon=True).start()

    sys.argv = ["streamlit", "run", str(SERVER), *OFFLINE, *sys.argv[1:]]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
