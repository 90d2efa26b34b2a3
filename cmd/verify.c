/* placeholder: replaced by the real implementation of cti verify */
#include "cmd.h"

int
cmd_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cmd_msg("not built yet");
	return 2;
}
