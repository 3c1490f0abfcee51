"""An analyst's b2luigi script, run by ``test_b2luigi.py`` with the python of b2luigi's own venv.

It imports nothing of the project: b2luigi reaches the stack only through the gbasf2 setup script it is given,
as it reaches the grid through ``/cvmfs/.../gbasf2/pro/bashrc``. The one liberty taken with b2luigi is the
status cache of each ``Gbasf2Process`` (five minutes by default), shortened so that a project of jobs that take
seconds is seen to finish in seconds; the wrapper also counts the processes b2luigi creates, which tells a run
that found its task complete (none) from one that watched the project.

Usage: ``python b2luigi_driver.py <config.json>``; the last line of stdout is ``@@B2LUIGI@@`` + a JSON summary.
"""

import json
import sys
from pathlib import Path

import b2luigi
from b2luigi.contrib.gbasf2.process import Gbasf2Process, get_unique_project_name

config = json.loads(Path(sys.argv[1]).read_text())
sys.argv = sys.argv[:1]  # b2luigi.process reads its own options from the command line

created = []
_init = Gbasf2Process.__init__


def _init_with_short_cache(self, *args, **kwargs):
    _init(self, *args, **kwargs)
    self._job_status_max_age = config["status_max_age"]
    created.append(self.gbasf2_project_name)


Gbasf2Process.__init__ = _init_with_short_cache

for key in ("result_dir", "log_dir", "task_file_dir"):  # relative ones would be below this file
    b2luigi.set_setting(key, config[key])


class Ntuple(b2luigi.Task):
    """One gbasf2 project: the custom steering file over the input dataset, one ntuple per input file."""

    token = b2luigi.Parameter()
    batch_system = "gbasf2"
    gbasf2_project_name_prefix = "b2l"
    gbasf2_setup_path = config["setup_path"]
    gbasf2_custom_steering_file = config["steering"]
    gbasf2_input_dataset = config["input_dataset"]
    gbasf2_release = config["release"]
    gbasf2_proxy_group = config["group"]
    gbasf2_project_lpn_path = config["lpn_path"]
    gbasf2_noscout = True

    def output(self):
        yield self.add_to_output("ntuple.root")


if __name__ == "__main__":
    task = Ntuple(token=config["token"])
    b2luigi.process(task, batch=True, ignore_additional_command_line_args=True)
    summary = {"project": get_unique_project_name(task), "complete": task.complete(), "processes": created}
    print("@@B2LUIGI@@" + json.dumps(summary), flush=True)
