build2/agent-obj/labvm/agent.o: labvm/agent.c labvm/proto.h
labvm/proto.h:
