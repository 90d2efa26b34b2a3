/* placeholder: replaced by the real implementation of cti diff */
#include "cmd.h"

int
cmd_diff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cmd_msg("not built yet");
	return 2;
}
